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
	"github.com/calendarbot/calendarbot/server/tz"
)

// maxFeedBytes bounds what expand reads from one file, like the server's
// feed limit, so a mistaken argument (a disk image) fails fast.
const maxFeedBytes = 64 << 20

// runExpand prints every occurrence of the given files in a window, in the
// output contract of the reference expanders, so that the engine can be
// checked against them byte for byte.
func runExpand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("expand", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "window start, RFC 3339 (inclusive), e.g. 2025-01-01T00:00:00Z")
	to := fs.String("to", "", "window end, RFC 3339 (exclusive)")
	floating := fs.String("floating-tz", "UTC", "IANA zone for floating times and all-day dates")
	noXWR := fs.Bool("no-x-wr-timezone", false, "ignore X-WR-TIMEZONE (strict RFC 5545)")
	quiet := fs.Bool("quiet", false, "do not report skipped components on stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: calendarbot expand FILE... --from RFC3339 --to RFC3339 [--floating-tz ZONE] [--no-x-wr-timezone]")
		fmt.Fprintln(stderr, "FILE may be - for standard input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "calendarbot expand: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	files := fs.Args()
	if len(files) == 0 || *from == "" || *to == "" {
		fs.Usage()
		return exitUsage
	}
	start, err := parseBound(*from)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot expand: --from: %v\n", err)
		return exitUsage
	}
	end, err := parseBound(*to)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot expand: --to: %v\n", err)
		return exitUsage
	}
	if !start.Before(end) {
		fmt.Fprintln(stderr, "calendarbot expand: --from must be before --to")
		return exitUsage
	}
	loc, ok := tz.LoadIANA(*floating)
	if !ok {
		fmt.Fprintf(stderr, "calendarbot expand: --floating-tz: unknown time zone %q (want an IANA name such as Europe/Berlin)\n", *floating)
		return exitUsage
	}
	opts := calendar.Options{Floating: loc, IgnoreXWRTimezone: *noXWR}
	var all []calendar.Occurrence
	read := 0
	for _, name := range files {
		if ctx.Err() != nil {
			return exitFailure
		}
		data, err := readInput(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot expand: %v\n", err)
			continue
		}
		cal, err := calendar.Parse(data, opts)
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot expand: %s: %v\n", name, err)
			continue
		}
		read++
		occ, probs := cal.Expand(start, end, calendar.DefaultLimits)
		if !*quiet {
			for _, p := range cal.Problems.List {
				fmt.Fprintf(stderr, "%s:%d: %s\n", name, p.Line, p.Msg)
			}
			if n := cal.Problems.Dropped; n > 0 {
				fmt.Fprintf(stderr, "%s: %d more problems not shown\n", name, n)
			}
			for _, p := range probs {
				fmt.Fprintf(stderr, "%s:%d: %s\n", name, p.Line, p.Msg)
			}
		}
		all = append(all, occ...)
	}
	if read == 0 {
		return exitFailure
	}
	if err := calendar.WriteJSONL(stdout, all); err != nil {
		fmt.Fprintf(stderr, "calendarbot expand: writing output: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func parseBound(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not RFC 3339 with an offset or Z (e.g. 2025-01-01T00:00:00Z)", s)
	}
	return t, nil
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFeedBytes {
		return nil, fmt.Errorf("%s: larger than %d MB: not a calendar feed", name, maxFeedBytes>>20)
	}
	return data, nil
}
