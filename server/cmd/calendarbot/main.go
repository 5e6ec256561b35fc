// Command calendarbot is the CalendarBot server and its tools.
//
// Subcommands:
//
//	calendarbot [serve] [flags]                  run the server (the default)
//	calendarbot demo [flags]                     the server on the built-in sample calendar
//	calendarbot check-config FILE                validate a configuration file
//	calendarbot agenda [--sample | FILE...]      what's next, as text
//	calendarbot render [--sample] -o FILE.png    the what's-next screen as PNG
//	calendarbot bootscreen --framebuffer DEV     draw the appliance's boot screen
//	calendarbot expand FILE... --from T --to T   print every occurrence in a window
//	calendarbot version                          print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/calendarbot/calendarbot/server/config"
)

// runCheckConfig validates a configuration file without starting anything.
func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: calendarbot check-config FILE")
		return exitUsage
	}
	if err := config.CheckFile(args[0]); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: OK\n", args[0])
	return exitOK
}

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
  serve [flags]                                run the server (default; see 'calendarbot serve --help')
  demo [flags]                                 the server on the built-in sample calendar
  check-config FILE                            validate a configuration file and exit
  agenda [--sample | FILE...] [--now] [--tz]   what's next and the next two days, as text
  render [--config F | --sample] -o FILE.png   draw the what's-next screen once (--now, --w, --h, --mode, --rotate)
  bootscreen --framebuffer DEV | -o FILE.png   draw the appliance's boot screen once
  expand FILE... --from RFC3339 --to RFC3339   print every occurrence in [from, to) as JSON lines
  version                                      print version information

Run 'calendarbot <command> --help' for the flags of a command.
`
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--version" {
		return runServe(ctx, args, stdout, stderr, nil)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr, nil)
	case "demo":
		return runServe(ctx, append([]string{"--sample"}, args[1:]...), stdout, stderr, nil)
	case "check-config":
		return runCheckConfig(args[1:], stdout, stderr)
	case "expand":
		return runExpand(ctx, args[1:], stdin, stdout, stderr)
	case "bootscreen":
		return runBootscreen(args[1:], stdout, stderr)
	case "agenda":
		return runAgenda(ctx, args[1:], stdout, stderr)
	case "render":
		return runRender(ctx, args[1:], stdout, stderr)
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
