package recur

import (
	"fmt"
	"testing"
	"time"
)

// The RRULE examples of RFC 5545 section 3.8.5.3. All of them use
// DTSTART;TZID=America/New_York, so in the wall-clock frame the times are
// simply 09:00 etc. UTC UNTIL values are converted to New York wall time by
// hand here (that conversion is the caller's job, not this package's).

// on lists instances at the given wall time for days of one month, written
// the way the RFC writes them.
func on(y, m int, hm string, days ...int) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = fmt.Sprintf("%04d-%02d-%02dT%s:00", y, m, d, hm)
	}
	return out
}

func span(a, b int) []int {
	var out []int
	for d := a; d <= b; d++ {
		out = append(out, d)
	}
	return out
}

func step(a, b, s int) []int {
	var out []int
	for d := a; d <= b; d += s {
		out = append(out, d)
	}
	return out
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func wall(s string) time.Time {
	for _, layout := range []string{"20060102T150405", "2006-01-02T15:04:05", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("bad wall time " + s)
}

type rfcCase struct {
	name    string
	dtstart string
	rule    string
	until   string // wall-clock UNTIL (already converted from UTC)
	want    []string
	prefix  bool // the RFC lists only the beginning ("forever")
}

var rfcCases = []rfcCase{
	{name: "daily for 10", dtstart: "19970902T090000", rule: "FREQ=DAILY;COUNT=10",
		want: on(1997, 9, "09:00", span(2, 11)...)},
	{name: "daily until Dec 24 1997", dtstart: "19970902T090000", rule: "FREQ=DAILY;UNTIL=19971224T000000Z",
		until: "19971223T190000", // 00:00Z = 19:00 EST the day before
		want: cat(on(1997, 9, "09:00", span(2, 30)...), on(1997, 10, "09:00", span(1, 31)...),
			on(1997, 11, "09:00", span(1, 30)...), on(1997, 12, "09:00", span(1, 23)...))},
	{name: "every other day", dtstart: "19970902T090000", rule: "FREQ=DAILY;INTERVAL=2", prefix: true,
		want: cat(on(1997, 9, "09:00", step(2, 30, 2)...), on(1997, 10, "09:00", step(2, 30, 2)...),
			on(1997, 11, "09:00", step(1, 29, 2)...), on(1997, 12, "09:00", 1, 3))},
	{name: "every 10 days, 5", dtstart: "19970902T090000", rule: "FREQ=DAILY;INTERVAL=10;COUNT=5",
		want: cat(on(1997, 9, "09:00", 2, 12, 22), on(1997, 10, "09:00", 2, 12))},
	{name: "every day in January for 3 years (yearly)", dtstart: "19980101T090000",
		rule: "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", until: "20000131T090000",
		want: cat(on(1998, 1, "09:00", span(1, 31)...), on(1999, 1, "09:00", span(1, 31)...), on(2000, 1, "09:00", span(1, 31)...))},
	{name: "every day in January for 3 years (daily)", dtstart: "19980101T090000",
		rule: "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", until: "20000131T090000",
		want: cat(on(1998, 1, "09:00", span(1, 31)...), on(1999, 1, "09:00", span(1, 31)...), on(2000, 1, "09:00", span(1, 31)...))},
	{name: "weekly for 10", dtstart: "19970902T090000", rule: "FREQ=WEEKLY;COUNT=10",
		want: cat(on(1997, 9, "09:00", 2, 9, 16, 23, 30), on(1997, 10, "09:00", 7, 14, 21, 28), on(1997, 11, "09:00", 4))},
	{name: "weekly until Dec 24 1997", dtstart: "19970902T090000", rule: "FREQ=WEEKLY;UNTIL=19971224T000000Z",
		until: "19971223T190000",
		want: cat(on(1997, 9, "09:00", 2, 9, 16, 23, 30), on(1997, 10, "09:00", 7, 14, 21, 28),
			on(1997, 11, "09:00", 4, 11, 18, 25), on(1997, 12, "09:00", 2, 9, 16, 23))},
	{name: "every other week", dtstart: "19970902T090000", rule: "FREQ=WEEKLY;INTERVAL=2;WKST=SU", prefix: true,
		want: cat(on(1997, 9, "09:00", 2, 16, 30), on(1997, 10, "09:00", 14, 28), on(1997, 11, "09:00", 11, 25),
			on(1997, 12, "09:00", 9, 23), on(1998, 1, "09:00", 6, 20), on(1998, 2, "09:00", 3, 17))},
	{name: "weekly on TU,TH for five weeks (until)", dtstart: "19970902T090000",
		rule: "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", until: "19971006T200000", // EDT
		want: cat(on(1997, 9, "09:00", 2, 4, 9, 11, 16, 18, 23, 25, 30), on(1997, 10, "09:00", 2))},
	{name: "weekly on TU,TH for five weeks (count)", dtstart: "19970902T090000",
		rule: "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
		want: cat(on(1997, 9, "09:00", 2, 4, 9, 11, 16, 18, 23, 25, 30), on(1997, 10, "09:00", 2))},
	{name: "every other week MO,WE,FR until Dec 24", dtstart: "19970901T090000",
		rule: "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", until: "19971223T190000",
		want: cat(on(1997, 9, "09:00", 1, 3, 5, 15, 17, 19, 29), on(1997, 10, "09:00", 1, 3, 13, 15, 17, 27, 29, 31),
			on(1997, 11, "09:00", 10, 12, 14, 24, 26, 28), on(1997, 12, "09:00", 8, 10, 12, 22))},
	{name: "every other week TU,TH for 8", dtstart: "19970902T090000",
		rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
		want: cat(on(1997, 9, "09:00", 2, 4, 16, 18, 30), on(1997, 10, "09:00", 2, 14, 16))},
	{name: "monthly first Friday for 10", dtstart: "19970905T090000", rule: "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
		want: cat(on(1997, 9, "09:00", 5), on(1997, 10, "09:00", 3), on(1997, 11, "09:00", 7), on(1997, 12, "09:00", 5),
			on(1998, 1, "09:00", 2), on(1998, 2, "09:00", 6), on(1998, 3, "09:00", 6), on(1998, 4, "09:00", 3),
			on(1998, 5, "09:00", 1), on(1998, 6, "09:00", 5))},
	{name: "monthly first Friday until Dec 24", dtstart: "19970905T090000",
		rule: "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", until: "19971223T190000",
		want: cat(on(1997, 9, "09:00", 5), on(1997, 10, "09:00", 3), on(1997, 11, "09:00", 7), on(1997, 12, "09:00", 5))},
	{name: "every other month first and last Sunday for 10", dtstart: "19970907T090000",
		rule: "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
		want: cat(on(1997, 9, "09:00", 7, 28), on(1997, 11, "09:00", 2, 30), on(1998, 1, "09:00", 4, 25),
			on(1998, 3, "09:00", 1, 29), on(1998, 5, "09:00", 3, 31))},
	{name: "monthly second-to-last Monday for 6", dtstart: "19970922T090000", rule: "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
		want: cat(on(1997, 9, "09:00", 22), on(1997, 10, "09:00", 20), on(1997, 11, "09:00", 17), on(1997, 12, "09:00", 22),
			on(1998, 1, "09:00", 19), on(1998, 2, "09:00", 16))},
	{name: "monthly third-to-last day", dtstart: "19970928T090000", rule: "FREQ=MONTHLY;BYMONTHDAY=-3", prefix: true,
		want: cat(on(1997, 9, "09:00", 28), on(1997, 10, "09:00", 29), on(1997, 11, "09:00", 28), on(1997, 12, "09:00", 29),
			on(1998, 1, "09:00", 29), on(1998, 2, "09:00", 26))},
	{name: "monthly 2nd and 15th for 10", dtstart: "19970902T090000", rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
		want: cat(on(1997, 9, "09:00", 2, 15), on(1997, 10, "09:00", 2, 15), on(1997, 11, "09:00", 2, 15),
			on(1997, 12, "09:00", 2, 15), on(1998, 1, "09:00", 2, 15))},
	{name: "monthly first and last day for 10", dtstart: "19970930T090000", rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
		want: cat(on(1997, 9, "09:00", 30), on(1997, 10, "09:00", 1, 31), on(1997, 11, "09:00", 1, 30),
			on(1997, 12, "09:00", 1, 31), on(1998, 1, "09:00", 1, 31), on(1998, 2, "09:00", 1))},
	{name: "every 18 months 10th-15th for 10", dtstart: "19970910T090000",
		rule: "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
		want: cat(on(1997, 9, "09:00", span(10, 15)...), on(1999, 3, "09:00", 10, 11, 12, 13))},
	{name: "every Tuesday every other month", dtstart: "19970902T090000", rule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", prefix: true,
		want: cat(on(1997, 9, "09:00", 2, 9, 16, 23, 30), on(1997, 11, "09:00", 4, 11, 18, 25),
			on(1998, 1, "09:00", 6, 13, 20, 27), on(1998, 3, "09:00", 3, 10, 17, 24, 31))},
	{name: "yearly in June and July for 10", dtstart: "19970610T090000", rule: "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
		want: cat(on(1997, 6, "09:00", 10), on(1997, 7, "09:00", 10), on(1998, 6, "09:00", 10), on(1998, 7, "09:00", 10),
			on(1999, 6, "09:00", 10), on(1999, 7, "09:00", 10), on(2000, 6, "09:00", 10), on(2000, 7, "09:00", 10),
			on(2001, 6, "09:00", 10), on(2001, 7, "09:00", 10))},
	{name: "every other year Jan-Mar for 10", dtstart: "19970310T090000", rule: "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
		want: cat(on(1997, 3, "09:00", 10), on(1999, 1, "09:00", 10), on(1999, 2, "09:00", 10), on(1999, 3, "09:00", 10),
			on(2001, 1, "09:00", 10), on(2001, 2, "09:00", 10), on(2001, 3, "09:00", 10),
			on(2003, 1, "09:00", 10), on(2003, 2, "09:00", 10), on(2003, 3, "09:00", 10))},
	{name: "every third year days 1,100,200 for 10", dtstart: "19970101T090000",
		rule: "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
		want: cat(on(1997, 1, "09:00", 1), on(1997, 4, "09:00", 10), on(1997, 7, "09:00", 19),
			on(2000, 1, "09:00", 1), on(2000, 4, "09:00", 9), on(2000, 7, "09:00", 18),
			on(2003, 1, "09:00", 1), on(2003, 4, "09:00", 10), on(2003, 7, "09:00", 19), on(2006, 1, "09:00", 1))},
	{name: "20th Monday of the year", dtstart: "19970519T090000", rule: "FREQ=YEARLY;BYDAY=20MO", prefix: true,
		want: cat(on(1997, 5, "09:00", 19), on(1998, 5, "09:00", 18), on(1999, 5, "09:00", 17))},
	{name: "Monday of week 20", dtstart: "19970512T090000", rule: "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", prefix: true,
		want: cat(on(1997, 5, "09:00", 12), on(1998, 5, "09:00", 11), on(1999, 5, "09:00", 17))},
	{name: "every Thursday in March", dtstart: "19970313T090000", rule: "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", prefix: true,
		want: cat(on(1997, 3, "09:00", 13, 20, 27), on(1998, 3, "09:00", 5, 12, 19, 26), on(1999, 3, "09:00", 4, 11, 18, 25))},
	{name: "every Thursday in June-August", dtstart: "19970605T090000", rule: "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", prefix: true,
		want: cat(on(1997, 6, "09:00", 5, 12, 19, 26), on(1997, 7, "09:00", 3, 10, 17, 24, 31), on(1997, 8, "09:00", 7, 14, 21, 28),
			on(1998, 6, "09:00", 4, 11, 18, 25), on(1998, 7, "09:00", 2, 9, 16, 23, 30), on(1998, 8, "09:00", 6, 13, 20, 27),
			on(1999, 6, "09:00", 3, 10, 17, 24), on(1999, 7, "09:00", 1, 8, 15, 22, 29), on(1999, 8, "09:00", 5, 12, 19, 26))},
	// The RFC excludes DTSTART with EXDATE; DTSTART does not match the rule,
	// and this package never yields a non-matching DTSTART, so the list is
	// the same.
	{name: "Friday the 13th", dtstart: "19970902T090000", rule: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", prefix: true,
		want: cat(on(1998, 2, "09:00", 13), on(1998, 3, "09:00", 13), on(1998, 11, "09:00", 13), on(1999, 8, "09:00", 13),
			on(2000, 10, "09:00", 13))},
	{name: "first Saturday after first Sunday", dtstart: "19970913T090000",
		rule: "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", prefix: true,
		want: cat(on(1997, 9, "09:00", 13), on(1997, 10, "09:00", 11), on(1997, 11, "09:00", 8), on(1997, 12, "09:00", 13),
			on(1998, 1, "09:00", 10), on(1998, 2, "09:00", 7), on(1998, 3, "09:00", 7), on(1998, 4, "09:00", 11),
			on(1998, 5, "09:00", 9), on(1998, 6, "09:00", 13))},
	{name: "US presidential election day", dtstart: "19961105T090000",
		rule: "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", prefix: true,
		want: cat(on(1996, 11, "09:00", 5), on(2000, 11, "09:00", 7), on(2004, 11, "09:00", 2))},
	{name: "third TU/WE/TH for 3 months", dtstart: "19970904T090000", rule: "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
		want: cat(on(1997, 9, "09:00", 4), on(1997, 10, "09:00", 7), on(1997, 11, "09:00", 6))},
	{name: "second-to-last weekday", dtstart: "19970929T090000", rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", prefix: true,
		want: cat(on(1997, 9, "09:00", 29), on(1997, 10, "09:00", 30), on(1997, 11, "09:00", 27), on(1997, 12, "09:00", 30),
			on(1998, 1, "09:00", 29), on(1998, 2, "09:00", 26), on(1998, 3, "09:00", 30))},
	// RFC erratum: UNTIL=19970902T170000Z is 13:00 EDT, which contradicts
	// the stated "9:00 AM to 5:00 PM" and the listed 15:00. The wall-clock
	// bound of the intent, 17:00, reproduces the documented list.
	{name: "every 3 hours 9-17", dtstart: "19970902T090000", rule: "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z",
		until: "19970902T170000"},
	{name: "every 15 minutes for 6", dtstart: "19970902T090000", rule: "FREQ=MINUTELY;INTERVAL=15;COUNT=6"},
	{name: "every 90 minutes for 4", dtstart: "19970902T090000", rule: "FREQ=MINUTELY;INTERVAL=90;COUNT=4"},
	{name: "every 20 minutes 9:00-16:40 (daily)", dtstart: "19970902T090000", prefix: true,
		rule: "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40"},
	{name: "every 20 minutes 9:00-16:40 (minutely)", dtstart: "19970902T090000", prefix: true,
		rule: "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16"},
	{name: "WKST=MO", dtstart: "19970805T090000", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
		want: on(1997, 8, "09:00", 5, 10, 19, 24)},
	{name: "WKST=SU", dtstart: "19970805T090000", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
		want: on(1997, 8, "09:00", 5, 17, 19, 31)},
	{name: "invalid date ignored", dtstart: "20070115T090000", rule: "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
		want: cat(on(2007, 1, "09:00", 15, 30), on(2007, 2, "09:00", 15), on(2007, 3, "09:00", 15, 30))},
}

func init() {
	// Sub-daily lists, written out separately for readability.
	times := func(y, m, d int, hms ...string) []string {
		out := make([]string, len(hms))
		for i, hm := range hms {
			out[i] = fmt.Sprintf("%04d-%02d-%02dT%s:00", y, m, d, hm)
		}
		return out
	}
	var twenty []string
	for h := 9; h <= 16; h++ {
		for _, m := range []int{0, 20, 40} {
			twenty = append(twenty, fmt.Sprintf("%02d:%02d", h, m))
		}
	}
	for i := range rfcCases {
		c := &rfcCases[i]
		switch c.name {
		case "every 3 hours 9-17":
			c.want = times(1997, 9, 2, "09:00", "12:00", "15:00")
		case "every 15 minutes for 6":
			c.want = times(1997, 9, 2, "09:00", "09:15", "09:30", "09:45", "10:00", "10:15")
		case "every 90 minutes for 4":
			c.want = times(1997, 9, 2, "09:00", "10:30", "12:00", "13:30")
		case "every 20 minutes 9:00-16:40 (daily)", "every 20 minutes 9:00-16:40 (minutely)":
			c.want = cat(times(1997, 9, 2, twenty...), times(1997, 9, 3, twenty...))
		}
	}
}

func TestRFC5545Examples(t *testing.T) {
	for _, c := range rfcCases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseRule(c.rule)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Warnings) > 0 {
				t.Errorf("unexpected warnings: %q", r.Warnings)
			}
			var until time.Time
			if c.until != "" {
				until = wall(c.until)
			}
			max := 0
			if c.prefix {
				max = len(c.want)
			}
			got, err := r.All(wall(c.dtstart), until, Limits{}, max)
			if err != nil {
				t.Fatal(err)
			}
			gs := make([]string, len(got))
			for i, g := range got {
				gs[i] = g.Format("2006-01-02T15:04:05")
			}
			if fmt.Sprint(gs) != fmt.Sprint(c.want) {
				t.Errorf("got  %d %v\nwant %d %v", len(gs), gs, len(c.want), c.want)
			}
		})
	}
}
