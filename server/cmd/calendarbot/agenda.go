package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/sample"
	"github.com/calendarbot/calendarbot/server/tz"
)

// runAgenda prints what's next and the next two days as text, from calendar
// files or the built-in sample: the engine at work without a server.
func runAgenda(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("agenda", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	nowFlag := fs.String("now", os.Getenv("CALENDARBOT_NOW"), "freeze the clock at this RFC 3339 time")
	zone := fs.String("tz", envOr("CALENDARBOT_TZ", "UTC"), "display time zone (IANA name)")
	useSample := fs.Bool("sample", false, "use the built-in sample calendar")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: calendarbot agenda [--sample | FILE...] [--now RFC3339] [--tz ZONE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "calendarbot agenda: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	loc, ok := tz.LoadIANA(*zone)
	if !ok {
		fmt.Fprintf(stderr, "calendarbot agenda: --tz: unknown time zone %q\n", *zone)
		return exitUsage
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := parseBound(*nowFlag)
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot agenda: --now: %v\n", err)
			return exitUsage
		}
		now = t
	}
	if *useSample == (fs.NArg() > 0) {
		fs.Usage()
		return exitUsage
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	var feeds []calendar.Feed
	if *useSample {
		cal, err := calendar.Parse(sample.ICS(now, loc), calendar.Options{Floating: loc})
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot agenda: %v\n", err)
			return exitFailure
		}
		feeds = append(feeds, calendar.Feed{Name: "Sample", Cal: cal})
	}
	for _, name := range fs.Args() {
		data, err := readInput(name, os.Stdin)
		if err == nil {
			var cal *calendar.Calendar
			if cal, err = calendar.Parse(data, calendar.Options{Floating: loc}); err == nil {
				feeds = append(feeds, calendar.Feed{Name: name, Cal: cal})
				continue
			}
		}
		fmt.Fprintf(stderr, "calendarbot agenda: %s: %v\n", name, err)
	}
	if len(feeds) == 0 {
		return exitFailure
	}
	occ := calendar.NewSnapshot(1, now, day, day.AddDate(0, 0, 2), feeds, calendar.DefaultLimits).Occurrences
	fmt.Fprintf(stdout, "CalendarBot — %s (%s)\n\n", local.Format("Mon 2 Jan 2006 15:04"), loc)
	sel := calendar.Select(occ, now, nil, 0)
	current, next := sel.Current, sel.Next
	if current != nil {
		fmt.Fprintf(stdout, "NOW   %s — ends in %s\n", current.Summary, until(now, current.End))
	}
	if next != nil {
		fmt.Fprintf(stdout, "NEXT  %s — starts in %s (%s)\n", next.Summary, until(now, next.Start), next.Start.In(loc).Format("15:04"))
	}
	fmt.Fprintln(stdout, "\nToday and tomorrow:")
	for _, o := range occ {
		when := "all day"
		if !o.AllDay {
			when = o.Start.In(loc).Format("Mon 15:04") + "–" + o.End.In(loc).Format("15:04")
		}
		fmt.Fprintf(stdout, "  %-16s %s  [%s]\n", when, o.Summary, o.ID())
	}
	return exitOK
}

func until(now, t time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02d", int(d.Hours()), int(d.Minutes())%60)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
