// Command calendarbot is the CalendarBot server and its tools.
//
// Subcommands:
//
//	calendarbot expand FILE... --from T --to T   print every occurrence in a window
//	calendarbot demo                             show what's next on a built-in sample calendar
//	calendarbot version                          print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set by the release build (-ldflags -X).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	usageSummary = `usage: calendarbot <command> [flags]

commands:
  expand FILE... --from RFC3339 --to RFC3339   print every occurrence in [from, to) as JSON lines
  demo [--now RFC3339]                         what's next on the built-in sample calendar
  version                                      print version information

Run 'calendarbot <command> --help' for the flags of a command.
`
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageSummary)
		return exitUsage
	}
	switch args[0] {
	case "expand":
		return runExpand(ctx, args[1:], stdin, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "calendarbot %s (commit %s, built %s)\n", version, commit, date)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageSummary)
		return exitOK
	}
	fmt.Fprintf(stderr, "calendarbot: unknown command %q\n\n%s", args[0], usageSummary)
	return exitUsage
}
