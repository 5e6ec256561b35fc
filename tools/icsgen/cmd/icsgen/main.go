// Command icsgen writes a deterministic synthetic iCalendar feed.
//
//	icsgen [-seed N] [-now RFC3339] [-events N] [-series N] [-exdates N]
//	       [-overrides N] [-style outlook|google|plain] [-o FILE]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/calendarbot/calendarbot/tools/icsgen"
)

func main() {
	var (
		seed      = flag.Int64("seed", 0, "random seed; same seed and options give byte-identical output")
		now       = flag.String("now", icsgen.DefaultNow.Format(time.RFC3339), "reference instant (RFC 3339); events span ~1 year before to ~3 months after")
		events    = flag.Int("events", icsgen.DefaultEvents, "total VEVENTs, including overrides")
		series    = flag.Int("series", icsgen.DefaultSeries, "recurring series (VEVENTs with RRULE)")
		exdates   = flag.Int("exdates", icsgen.DefaultExdates, "total EXDATE values spread over the series")
		overrides = flag.Int("overrides", icsgen.DefaultOverrides, "RECURRENCE-ID override VEVENTs")
		style     = flag.String("style", icsgen.DefaultStyle, "feed style: outlook, google or plain")
		out       = flag.String("o", "", "output file (default stdout)")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: icsgen [flags]\n\nWrites a synthetic iCalendar feed.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	t, err := time.Parse(time.RFC3339, *now)
	if err != nil {
		fatalf("invalid -now: %v", err)
	}
	switch *style {
	case icsgen.StyleOutlook, icsgen.StyleGoogle, icsgen.StylePlain:
	default:
		fatalf("invalid -style %q (want outlook, google or plain)", *style)
	}
	for name, v := range map[string]int{"events": *events, "series": *series, "exdates": *exdates, "overrides": *overrides} {
		if v < 0 {
			fatalf("-%s must not be negative", name)
		}
	}
	// In Options a zero count selects the default and a negative one means
	// none; on the command line 0 means none.
	count := func(v int) int {
		if v == 0 {
			return -1
		}
		return v
	}
	data := icsgen.Generate(icsgen.Options{
		Seed:      *seed,
		Now:       t,
		Events:    count(*events),
		Series:    count(*series),
		Exdates:   count(*exdates),
		Overrides: count(*overrides),
		Style:     *style,
	})

	if *out == "" || *out == "-" {
		if _, err := os.Stdout.Write(data); err != nil {
			fatalf("%v", err)
		}
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "icsgen: "+format+"\n", args...)
	os.Exit(1)
}
