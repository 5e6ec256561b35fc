package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// The expected lines below were written from the output contract
// (shared/oracle/README.md) and agree with the reference expanders
// (ical.js via expand.mjs; python-recurring-ical-events for the all-day
// window case, where ical.js differs in UTC).

// weekly-dst.ics: a weekly Monday 09:00 New York series crossing the DST
// change of 8 March 2026 (14:00Z, then 13:00Z) with the 16 March instance
// cancelled by an override, and a two-day all-day event.
var xWeeklyDST = []string{
	`{"all_day":false,"end":"2026-03-02T10:00:00-05:00","recurrence_id":"2026-03-02T14:00:00Z","start":"2026-03-02T09:00:00-05:00","status":"CONFIRMED","summary":"Monday Review, team","uid":"review@example.com"}`,
	`{"all_day":false,"end":"2026-03-09T10:00:00-04:00","recurrence_id":"2026-03-09T13:00:00Z","start":"2026-03-09T09:00:00-04:00","status":"CONFIRMED","summary":"Monday Review, team","uid":"review@example.com"}`,
	`{"all_day":true,"end":"2026-03-12","recurrence_id":null,"start":"2026-03-10","status":null,"summary":"Offsite \"Q2\"","uid":"offsite@example.com"}`,
	`{"all_day":false,"end":"2026-03-16T10:00:00-04:00","recurrence_id":"2026-03-16T13:00:00Z","start":"2026-03-16T09:00:00-04:00","status":"CANCELLED","summary":"Monday Review, team","uid":"review@example.com"}`,
	`{"all_day":false,"end":"2026-03-23T10:00:00-04:00","recurrence_id":"2026-03-23T13:00:00Z","start":"2026-03-23T09:00:00-04:00","status":"CONFIRMED","summary":"Monday Review, team","uid":"review@example.com"}`,
}

// personal.ics: a UTC event, a VEVENT with an impossible DTSTART (line 14,
// component at line 11) and a floating event.
var (
	xDentist  = `{"all_day":false,"end":"2026-03-09T16:00:00+00:00","recurrence_id":null,"start":"2026-03-09T15:00:00+00:00","status":null,"summary":"Dentist","uid":"dentist@example.com"}`
	xFloating = `{"all_day":false,"end":"2026-03-20T08:30:00+00:00","recurrence_id":null,"start":"2026-03-20T08:00:00+00:00","status":null,"summary":"Floating call","uid":"call@example.com"}`
)

const xBrokenVEVENT = "testdata/personal.ics:11: VEVENT skipped: DTSTART (line 14)"

var xMarch = []string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00Z"}

type xResult struct {
	code           int
	stdout, stderr string
}

func xRun(t *testing.T, stdin string, args ...string) xResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return xResult{code, out.String(), errb.String()}
}

func xExpand(t *testing.T, stdin string, args ...string) xResult {
	t.Helper()
	return xRun(t, stdin, append(append([]string{"expand"}, args...), xMarch...)...)
}

func xLines(lines ...string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func xWant(t *testing.T, r xResult, code int, stdout string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if r.stdout != stdout {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, stdout)
	}
}

func TestExpandFixture(t *testing.T) {
	r := xExpand(t, "", "testdata/weekly-dst.ics")
	xWant(t, r, exitOK, xLines(xWeeklyDST...))
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing for a clean file", r.stderr)
	}
}

func TestExpandMergesFilesSorted(t *testing.T) {
	want := xLines(xWeeklyDST[0], xWeeklyDST[1], xDentist, xWeeklyDST[2], xWeeklyDST[3], xFloating, xWeeklyDST[4])
	for _, order := range [][]string{
		{"testdata/personal.ics", "testdata/weekly-dst.ics"},
		{"testdata/weekly-dst.ics", "testdata/personal.ics"},
	} {
		r := xExpand(t, "", order...)
		xWant(t, r, exitOK, want)
		// The broken component is reported, the rest of its file printed.
		if !strings.Contains(r.stderr, xBrokenVEVENT) {
			t.Errorf("stderr %q does not report %q", r.stderr, xBrokenVEVENT)
		}
	}
}

func TestExpandStdin(t *testing.T) {
	data, err := os.ReadFile("testdata/weekly-dst.ics")
	if err != nil {
		t.Fatal(err)
	}
	r := xExpand(t, string(data), "-")
	xWant(t, r, exitOK, xLines(xWeeklyDST...))

	r = xExpand(t, string(data), "testdata/personal.ics", "-")
	xWant(t, r, exitOK, xLines(xWeeklyDST[0], xWeeklyDST[1], xDentist, xWeeklyDST[2], xWeeklyDST[3], xFloating, xWeeklyDST[4]))
}

func TestExpandUnreadableFiles(t *testing.T) {
	t.Run("others still printed", func(t *testing.T) {
		r := xExpand(t, "", "testdata/missing.ics", "testdata/not-a-calendar.html", "testdata/weekly-dst.ics")
		xWant(t, r, exitOK, xLines(xWeeklyDST...))
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 2 {
			t.Fatalf("stderr %q: want one line per unreadable file", r.stderr)
		}
		if !strings.Contains(lines[0], "testdata/missing.ics") || !strings.Contains(lines[0], "no such file") {
			t.Errorf("missing file reported as %q", lines[0])
		}
		if !strings.Contains(lines[1], "testdata/not-a-calendar.html") || !strings.Contains(lines[1], "not an iCalendar file") {
			t.Errorf("non-calendar file reported as %q", lines[1])
		}
	})
	t.Run("nothing readable", func(t *testing.T) {
		r := xExpand(t, "", "testdata/missing.ics", "testdata/not-a-calendar.html")
		xWant(t, r, exitFailure, "")
		if !strings.Contains(r.stderr, "testdata/missing.ics") || !strings.Contains(r.stderr, "testdata/not-a-calendar.html") {
			t.Errorf("stderr %q does not name both files", r.stderr)
		}
	})
	t.Run("empty stdin", func(t *testing.T) {
		r := xExpand(t, "", "-")
		xWant(t, r, exitFailure, "")
		if !strings.Contains(r.stderr, "-: ") {
			t.Errorf("stderr %q does not name standard input", r.stderr)
		}
	})
}

func TestExpandQuiet(t *testing.T) {
	r := xExpand(t, "", "--quiet", "testdata/personal.ics")
	xWant(t, r, exitOK, xLines(xDentist, xFloating))
	if r.stderr != "" {
		t.Errorf("--quiet still wrote %q", r.stderr)
	}
}

func TestExpandUsageErrors(t *testing.T) {
	const f = "testdata/weekly-dst.ics"
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"no files", []string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00Z"}, "usage: calendarbot expand FILE..."},
		{"no --from", []string{f, "--to", "2026-04-01T00:00:00Z"}, "--from"},
		{"no --to", []string{f, "--from", "2026-03-01T00:00:00Z"}, "--to"},
		{"from after to", []string{f, "--from", "2026-04-01T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, "--from must be before --to"},
		{"empty window", []string{f, "--from", "2026-04-01T00:00:00Z", "--to", "2026-04-01T02:00:00+02:00"}, "--from must be before --to"},
		{"date only", []string{f, "--from", "2026-03-01", "--to", "2026-04-01T00:00:00Z"}, `--from: "2026-03-01" is not RFC 3339`},
		{"no offset", []string{f, "--from", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00"}, `--to: "2026-04-01T00:00:00" is not RFC 3339`},
		{"unknown zone", []string{f, "--from", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00Z", "--floating-tz", "Mars/Olympus_Mons"}, `unknown time zone "Mars/Olympus_Mons"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := xRun(t, "", append([]string{"expand"}, tc.args...)...)
			xWant(t, r, exitUsage, "")
			if !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("stderr %q does not say %q", r.stderr, tc.msg)
			}
		})
	}
	t.Run("unknown flag", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			msg  string
		}{
			{[]string{"expand", f, "--form", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00Z"}, "unknown flag: --form"},
			{[]string{"expand", f, "--to", "2026-04-01T00:00:00Z", "--from"}, "flag needs an argument: --from"},
			{[]string{"agenda", "--nwo", "2026-03-29T08:50:00Z"}, "unknown flag: --nwo"},
			{[]string{"demo", "--nwo", "2026-03-29T08:50:00Z"}, "unknown flag --nwo (did you mean --now?)"},
		} {
			r := xRun(t, "", c.args...)
			xWant(t, r, exitUsage, "")
			if !strings.Contains(r.stderr, c.msg) {
				t.Errorf("%q: stderr %q, want %q", c.args, r.stderr, c.msg)
			}
		}
	})
	t.Run("help", func(t *testing.T) {
		r := xRun(t, "", "expand", "--help")
		xWant(t, r, exitOK, "")
		for _, s := range []string{"--from", "--to", "--floating-tz", "--no-x-wr-timezone"} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("help %q does not mention %s", r.stderr, s)
			}
		}
	})
}

func TestExpandFloatingTZ(t *testing.T) {
	t.Run("floating times", func(t *testing.T) {
		r := xExpand(t, "", "--quiet", "--floating-tz", "Europe/Berlin", "testdata/personal.ics")
		xWant(t, r, exitOK, xLines(xDentist,
			`{"all_day":false,"end":"2026-03-20T08:30:00+01:00","recurrence_id":null,"start":"2026-03-20T08:00:00+01:00","status":null,"summary":"Floating call","uid":"call@example.com"}`))
	})
	// The all-day offsite (10-11 March) ends at midnight of 12 March in the
	// floating zone: 00:00Z in UTC, 23:00Z on the 11th in Berlin, 07:00Z on
	// the 12th in Los Angeles. A window [11 March 23:30Z, 12 March 00:00Z)
	// sees it in UTC and Los Angeles, not in Berlin.
	for _, tc := range []struct {
		zone string
		want string
	}{
		{"UTC", xLines(xWeeklyDST[2])},
		{"Europe/Berlin", ""},
		{"America/Los_Angeles", xLines(xWeeklyDST[2])},
	} {
		t.Run("all-day in "+tc.zone, func(t *testing.T) {
			r := xRun(t, "", "expand", "testdata/weekly-dst.ics", "--floating-tz", tc.zone,
				"--from", "2026-03-11T23:30:00Z", "--to", "2026-03-12T00:00:00Z")
			xWant(t, r, exitOK, tc.want)
		})
	}
}

func TestExpandXWRTimezone(t *testing.T) {
	// Google writes UTC times and names the calendar's zone in X-WR-TIMEZONE:
	// the stand-up is 09:00 New York, 14:00Z before 8 March, 13:00Z after.
	r := xExpand(t, "", "testdata/google-xwr.ics")
	xWant(t, r, exitOK, xLines(
		`{"all_day":false,"end":"2026-03-02T09:15:00-05:00","recurrence_id":"2026-03-02T14:00:00Z","start":"2026-03-02T09:00:00-05:00","status":null,"summary":"Stand-up","uid":"standup@google.com"}`,
		`{"all_day":false,"end":"2026-03-09T09:15:00-04:00","recurrence_id":"2026-03-09T13:00:00Z","start":"2026-03-09T09:00:00-04:00","status":null,"summary":"Stand-up","uid":"standup@google.com"}`,
	))
	r = xExpand(t, "", "--no-x-wr-timezone", "testdata/google-xwr.ics")
	xWant(t, r, exitOK, xLines(
		`{"all_day":false,"end":"2026-03-02T14:15:00+00:00","recurrence_id":"2026-03-02T14:00:00Z","start":"2026-03-02T14:00:00+00:00","status":null,"summary":"Stand-up","uid":"standup@google.com"}`,
		`{"all_day":false,"end":"2026-03-09T14:15:00+00:00","recurrence_id":"2026-03-09T14:00:00Z","start":"2026-03-09T14:00:00+00:00","status":null,"summary":"Stand-up","uid":"standup@google.com"}`,
	))
}

func TestExpandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"expand", "testdata/weekly-dst.ics"}, xMarch...), strings.NewReader(""), &out, &errb)
	if code != exitFailure || out.Len() != 0 {
		t.Errorf("cancelled run: exit %d, stdout %q; want %d and nothing", code, out.String(), exitFailure)
	}
}

func TestCommands(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		r := xRun(t, "", arg)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "calendarbot ") || !strings.Contains(r.stdout, version) {
			t.Errorf("%s: exit %d, stdout %q", arg, r.code, r.stdout)
		}
	}
	r := xRun(t, "", "frobnicate")
	xWant(t, r, exitUsage, "")
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "usage: calendarbot") {
		t.Errorf("unknown command: stderr %q", r.stderr)
	}
	// No command means serve; without feeds it says how to add one.
	t.Setenv("CALENDARBOT_FEEDS", "")
	t.Setenv("CALENDARBOT_CONFIG", "")
	r = xRun(t, "")
	xWant(t, r, exitUsage, "")
	if !strings.Contains(r.stderr, "no feeds configured") || !strings.Contains(r.stderr, "--feed NAME=URL") {
		t.Errorf("no command: stderr %q", r.stderr)
	}
	r = xRun(t, "", "help")
	if r.code != exitOK || !strings.Contains(r.stdout, "expand FILE...") {
		t.Errorf("help: exit %d, stdout %q", r.code, r.stdout)
	}
}
