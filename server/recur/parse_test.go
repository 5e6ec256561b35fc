package recur

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in       string
		want     string // canonical String(); "" means error expected
		warnings []string
		check    func(*testing.T, *Rule)
	}{
		{in: "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250101T000000Z", want: "FREQ=WEEKLY;UNTIL=20250101T000000Z;BYDAY=MO,WE",
			check: func(t *testing.T, r *Rule) {
				if r.UntilKind != UntilUTC || !r.Until.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("until %v kind %v", r.Until, r.UntilKind)
				}
				if r.Wkst != time.Monday || r.Interval != 1 {
					t.Errorf("defaults: wkst %v interval %d", r.Wkst, r.Interval)
				}
			}},
		{in: "freq=monthly;byday=-1su;wkst=su", want: "FREQ=MONTHLY;BYDAY=-1SU;WKST=SU"},
		{in: "RRULE:FREQ=DAILY;", want: "FREQ=DAILY"},
		{in: " FREQ = DAILY ;; INTERVAL = 2 ; ", want: "FREQ=DAILY;INTERVAL=2"},
		{in: "FREQ=DAILY;UNTIL=20250101", want: "FREQ=DAILY;UNTIL=20250101",
			check: func(t *testing.T, r *Rule) {
				if r.UntilKind != UntilDate {
					t.Errorf("kind %v", r.UntilKind)
				}
			}},
		{in: "FREQ=DAILY;UNTIL=20250101T100000", want: "FREQ=DAILY;UNTIL=20250101T100000",
			check: func(t *testing.T, r *Rule) {
				if r.UntilKind != UntilLocal || r.Until.Hour() != 10 {
					t.Errorf("kind %v until %v", r.UntilKind, r.Until)
				}
			}},
		{in: "FREQ=DAILY;UNTL=20250101", want: "FREQ=DAILY", warnings: []string{`ignored unknown part "UNTL"`}},
		{in: "FREQ=DAILY;COUNT=0", want: "FREQ=DAILY", warnings: []string{`ignored invalid COUNT "0"`}},
		{in: "FREQ=DAILY;COUNT=-3", want: "FREQ=DAILY", warnings: []string{`ignored invalid COUNT "-3"`}},
		{in: "FREQ=DAILY;COUNT=x", want: "FREQ=DAILY", warnings: []string{`ignored invalid COUNT "X"`}},
		{in: "FREQ=DAILY;COUNT=5", want: "FREQ=DAILY;COUNT=5"},
		{in: "FREQ=DAILY;INTERVAL=0", want: "FREQ=DAILY", warnings: []string{`ignored invalid INTERVAL "0"`}},
		{in: "FREQ=DAILY;UNTIL=20250230", want: "FREQ=DAILY", warnings: []string{`ignored invalid UNTIL "20250230"`}},
		{in: "FREQ=DAILY;UNTIL=2025-01-01", want: "FREQ=DAILY", warnings: []string{`ignored invalid UNTIL "2025-01-01"`}},
		{in: "FREQ=YEARLY;BYMONTH=0,1,13", want: "FREQ=YEARLY;BYMONTH=1",
			warnings: []string{`dropped out-of-range BYMONTH value "0"`, `dropped out-of-range BYMONTH value "13"`}},
		{in: "FREQ=MONTHLY;BYMONTHDAY=0,-31,32,15", want: "FREQ=MONTHLY;BYMONTHDAY=-31,15",
			warnings: []string{`dropped out-of-range BYMONTHDAY value "0"`, `dropped out-of-range BYMONTHDAY value "32"`}},
		{in: "FREQ=DAILY;BYHOUR=24,23;BYMINUTE=60,0;BYSECOND=60,59", want: "FREQ=DAILY;BYSECOND=59;BYMINUTE=0;BYHOUR=23",
			warnings: []string{`dropped out-of-range BYHOUR value "24"`, `dropped out-of-range BYMINUTE value "60"`, `dropped out-of-range BYSECOND value "60"`}},
		{in: "FREQ=YEARLY;BYYEARDAY=367,-366;BYWEEKNO=54,-53;BYSETPOS=0,1", want: "FREQ=YEARLY;BYYEARDAY=-366;BYWEEKNO=-53;BYSETPOS=1",
			warnings: []string{`dropped out-of-range BYYEARDAY value "367"`, `dropped out-of-range BYWEEKNO value "54"`, `dropped out-of-range BYSETPOS value "0"`}},
		{in: "FREQ=MONTHLY;BYDAY=0MO,XX,+2TU,54WE,FR", want: "FREQ=MONTHLY;BYDAY=2TU,FR",
			warnings: []string{`ignored invalid BYDAY value "0MO"`, `ignored invalid BYDAY value "XX"`, `ignored invalid BYDAY value "54WE"`}},
		{in: "FREQ=WEEKLY;BYDAY=1MO,2MO,TU", want: "FREQ=WEEKLY;BYDAY=MO,TU",
			warnings: []string{"BYDAY ordinals are only valid with FREQ=MONTHLY or YEARLY; ordinals ignored"}},
		{in: "FREQ=MONTHLY;BYWEEKNO=3;BYYEARDAY=4", want: "FREQ=MONTHLY",
			warnings: []string{"BYWEEKNO is only valid with FREQ=YEARLY; ignored", "BYYEARDAY is not valid with FREQ=MONTHLY; ignored"}},
		{in: "FREQ=WEEKLY;BYMONTHDAY=3", want: "FREQ=WEEKLY", warnings: []string{"BYMONTHDAY is not valid with FREQ=WEEKLY; ignored"}},
		{in: "FREQ=HOURLY;BYYEARDAY=4", want: "FREQ=HOURLY;BYYEARDAY=4"},
		{in: "FREQ=DAILY;FREQ=WEEKLY", want: "FREQ=WEEKLY", warnings: []string{"FREQ given more than once; the last one wins"}},
		{in: "FREQ=DAILY;COUNT=3;UNTIL=20250101", want: "FREQ=DAILY;UNTIL=20250101;COUNT=3",
			warnings: []string{"COUNT and UNTIL both given (RFC 5545 forbids it); both are applied"}},
		{in: "FREQ=DAILY;WKST=XX", want: "FREQ=DAILY", warnings: []string{`ignored invalid WKST "XX"`}},
		{in: "FREQ=DAILY;garbage", want: "FREQ=DAILY", warnings: []string{`ignored malformed part "garbage"`}},
		{in: "FREQ=DAILY;X-NAME=1", want: "FREQ=DAILY", warnings: []string{`ignored unknown part "X-NAME"`}},
		{in: ""},
		{in: "INTERVAL=2"},
		{in: "FREQ=FORTNIGHTLY"},
		{in: "FREQ="},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRule(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrNoFreq) {
					t.Fatalf("want ErrNoFreq, got %v (%v)", err, r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if strings.Join(r.Warnings, "|") != strings.Join(tc.warnings, "|") {
				t.Errorf("warnings = %q, want %q", r.Warnings, tc.warnings)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			// Canonical form is a fixed point and parses cleanly (apart from
			// the COUNT+UNTIL note, which describes the rule itself).
			r2, err := ParseRule(r.String())
			clean := len(r2.Warnings) == 0 || (r.Count > 0 && r.UntilKind != UntilNone && len(r2.Warnings) == 1)
			if err != nil || r2.String() != r.String() || !clean {
				t.Errorf("re-parse of %q: %v %q %q", r.String(), err, r2, r2.Warnings)
			}
		})
	}
}

func TestUntilWall(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600) // stands in for the caller's zone logic
	toWall := func(u time.Time) time.Time { return u.In(ny) }
	for _, tc := range []struct{ rule, want string }{
		{"FREQ=DAILY;UNTIL=19971224T000000Z", "19971223T190000"},
		{"FREQ=DAILY;UNTIL=19971224T000000", "19971224T000000"},
		{"FREQ=DAILY;UNTIL=19971224", "19971224T000000"},
		{"FREQ=DAILY", ""},
	} {
		got := mustParse(t, tc.rule).UntilWall(toWall)
		if (tc.want == "" && !got.IsZero()) || (tc.want != "" && !got.Equal(wall(tc.want))) || got.Location() != time.UTC {
			t.Errorf("%s: got %v, want %s", tc.rule, got, tc.want)
		}
	}
}
