// Command uinit is CalendarBot's appliance entry point. u-root's init
// (PID 1) mounts /proc, /sys, /dev and /tmp, brings up lo, loads the
// modules in /lib/modules-load.d and then runs /bin/uinit (this program)
// with the console as stdout and stderr. uinit brings the appliance up and
// supervises the server for as long as the device runs; see
// github.com/calendarbot/calendarbot/image/appliance.
//
// Flags (from uroot.uinitargs="..." on the kernel command line or
// /etc/uinit.flags) override the defaults; the calendarbot.* kernel
// parameters override the flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/calendarbot/calendarbot/image/appliance"
)

func main() {
	fs := flag.NewFlagSet("uinit", flag.ContinueOnError)
	server := fs.String("server", appliance.PathServer, "server binary")
	port := fs.Int("port", appliance.DefaultPort, "server port (calendarbot.port overrides)")
	root := fs.String("root", "/", "file system root (for trying it out in a directory)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		// A bad flag must not stop the appliance: go on with the defaults.
		fmt.Fprintf(os.Stderr, "uinit: %v (using the defaults)\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err := appliance.Run(ctx, appliance.Options{
		Root:       *root,
		Console:    os.Stdout,
		ServerPath: *server,
		Port:       *port,
	})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "uinit: %v\n", err)
		os.Exit(1)
	}
}
