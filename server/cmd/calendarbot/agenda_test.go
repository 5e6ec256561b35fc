package main

import (
	"strings"
	"testing"
)

func TestDemoBerlinOnDSTDay(t *testing.T) {
	t.Setenv("CALENDARBOT_NOW", "")
	t.Setenv("CALENDARBOT_TZ", "")
	// 08:50Z on 29 March 2026 is 10:50 in Berlin, clocks having moved to
	// CEST (UTC+2) at 01:00Z that morning. The sample snaps to 10:45: the
	// design review runs 10:30-11:15, the 1:1 starts at 11:30.
	r := xRun(t, "", "agenda", "--sample", "--now", "2026-03-29T08:50:00Z", "--tz", "Europe/Berlin")
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	want := map[string]bool{
		"CalendarBot — Sun 29 Mar 2026 10:50 (Europe/Berlin)": false,
		"NOW   Design review: kiosk layout — ends in 25 min":  false,
		"NEXT  1:1 with Alex — starts in 40 min (11:30)":      false,
		// The weekday stand-up stays at 09:30 local after the DST change
		// (07:30Z); its ID is the UTC start of Monday's instance.
		"  Mon 09:30–09:45  Daily stand-up  [standup@sample.calendarbot_20260330T073000]": false,
	}
	for _, l := range lines {
		if _, ok := want[l]; ok {
			want[l] = true
		}
	}
	for l, seen := range want {
		if !seen {
			t.Errorf("output lacks %q:\n%s", l, r.stdout)
		}
	}
	if strings.Count(r.stdout, "\nNOW ") != 1 || strings.Count(r.stdout, "\nNEXT ") != 1 {
		t.Errorf("want exactly one NOW and one NEXT line:\n%s", r.stdout)
	}
}

func TestDemoUnknownZone(t *testing.T) {
	t.Setenv("CALENDARBOT_TZ", "")
	r := xRun(t, "", "agenda", "--sample", "--now", "2026-03-29T08:50:00Z", "--tz", "Mars/Olympus_Mons")
	xWant(t, r, exitUsage, "")
	if !strings.Contains(r.stderr, `unknown time zone "Mars/Olympus_Mons"`) {
		t.Errorf("stderr %q", r.stderr)
	}
	r = xRun(t, "", "agenda", "--sample", "--now", "tomorrow")
	xWant(t, r, exitUsage, "")
	if !strings.Contains(r.stderr, "--now") {
		t.Errorf("bad --now: stderr %q", r.stderr)
	}
}
