package appliance

import (
	"context"
	"os"
	"sync"
)

// startShell starts a shell on the console beside the server
// (calendarbot.debug=1). u-root's init only starts its shell after the
// uinit exits, which CalendarBot's never does, so the uinit starts it. It
// is restarted when it exits, and only exists if the image carries one.
func startShell(ctx context.Context, c *console, o Options, wg *sync.WaitGroup) {
	shell := ""
	for _, s := range o.Shell {
		if _, err := os.Stat(o.path(s)); err == nil {
			shell = s
			break
		}
	}
	if shell == "" {
		c.logf("debug", "no shell in the image (%v): build it with the u-root shell to get one", o.Shell)
		return
	}
	c.logf("debug", "starting %s on the console", shell)
	sup := &Supervisor{
		Name: "shell", Path: shell, Env: os.Environ(), Stdin: os.Stdin, Starter: o.Starter,
		Output: o.Console, Logf: func(f string, a ...any) { c.logf("debug", f, a...) },
		Now: o.Clock.Now, After: o.After,
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		sup.Run(ctx)
	}()
}
