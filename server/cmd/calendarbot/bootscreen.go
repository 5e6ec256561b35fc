package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/server/framebuffer"
	"github.com/calendarbot/calendarbot/server/render"
)

// bootState is the boot screen's JSON state file, as the appliance's
// uinit writes it to /run/calendarbot/boot.json (image/appliance
// BootState; the server does not import image/).
type bootState struct {
	Steps []struct {
		Name   string `json:"name"`
		State  string `json:"state"` // pending, running, done, failed, skipped
		Detail string `json:"detail"`
	} `json:"steps"`
	Error   string `json:"error"`
	Hint    string `json:"hint"`
	Address string `json:"address"`
	Version string `json:"version"`
}

func parseStepState(s string) (render.StepState, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "pending":
		return render.StepPending, nil
	case "running":
		return render.StepRunning, nil
	case "done", "ok":
		return render.StepDone, nil
	case "failed", "error":
		return render.StepFailed, nil
	case "skipped":
		return render.StepSkipped, nil
	}
	return 0, fmt.Errorf("unknown step state %q (pending, running, done, failed or skipped)", s)
}

const bootscreenUsage = `usage: calendarbot bootscreen [flags]

Draws the appliance's boot screen once and exits: on a Linux framebuffer
(--framebuffer), or into a PNG file (-o). The appliance's uinit runs it at
every boot step with --state /run/calendarbot/boot.json.

`

// runBootscreen draws render.Boot from a state file and flags.
func runBootscreen(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bootscreen", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, bootscreenUsage, fs.FlagUsages()) }
	fbPath := fs.String("framebuffer", "", "framebuffer device to draw on, e.g. /dev/fb0")
	out := fs.StringP("output", "o", "", "write a PNG to this file instead (with --w and --h)")
	statePath := fs.String("state", "", "JSON state file: {steps:[{name,state,detail}],error,hint,address,version}")
	steps := fs.StringArray("step", nil, "a step as NAME=STATE[:DETAIL] (repeatable; after those of --state)")
	errText := fs.String("error", "", "the problem to show (overrides the state file's)")
	hint := fs.String("hint", "", "what the user can do about it")
	address := fs.String("address", "", "where the server can be reached")
	rotate := fs.Int("rotate", 0, "turn the drawing clockwise by 0, 90, 180 or 270 degrees")
	modeName := fs.String("display-mode", "color", "color, gray or mono")
	w := fs.Int("w", 800, "PNG width (with -o)")
	h := fs.Int("h", 480, "PNG height (with -o)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		// pflag prints nothing itself with ContinueOnError.
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	if (*fbPath == "") == (*out == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "calendarbot bootscreen: give exactly one of --framebuffer DEVICE or -o FILE.png")
		return exitUsage
	}
	mode, err := render.ParseMode(*modeName)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
		return exitUsage
	}
	// Check the flags before drawing or opening anything: a bad value is
	// a usage error. The framebuffer's size is the device's, so only the
	// rotation is checked then (with a size that is always valid).
	check := render.Options{Width: *w, Height: *h, Rotate: *rotate, Mode: mode}
	if *out == "" {
		check.Width, check.Height = render.MinSize, render.MinSize
	}
	if err := check.Validate(); err != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
		return exitUsage
	}
	b := render.Boot{Version: version}
	if *statePath != "" {
		var st bootState
		data, err := os.ReadFile(*statePath)
		if err == nil {
			err = json.Unmarshal(data, &st)
		}
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot bootscreen: state file: %v\n", err)
			return exitFailure
		}
		for _, s := range st.Steps {
			state, err := parseStepState(s.State)
			if err != nil {
				fmt.Fprintf(stderr, "calendarbot bootscreen: %s: step %q: %v\n", *statePath, s.Name, err)
				return exitFailure
			}
			b.Steps = append(b.Steps, render.Step{Name: s.Name, State: state, Detail: s.Detail})
		}
		b.Error, b.Hint, b.Address = st.Error, st.Hint, st.Address
		if st.Version != "" {
			b.Version = st.Version
		}
	}
	for _, s := range *steps {
		name, rest, ok := strings.Cut(s, "=")
		stateName, detail, _ := strings.Cut(rest, ":")
		state, err := parseStepState(stateName)
		if !ok || name == "" || err != nil {
			fmt.Fprintf(stderr, "calendarbot bootscreen: --step %q: want NAME=STATE[:DETAIL] with STATE pending, running, done, failed or skipped\n", s)
			return exitUsage
		}
		b.Steps = append(b.Steps, render.Step{Name: name, State: state, Detail: detail})
	}
	if *errText != "" {
		b.Error, b.Hint = *errText, *hint
	} else if *hint != "" {
		b.Hint = *hint
	}
	if *address != "" {
		b.Address = *address
	}

	if *out != "" {
		img, err := render.RenderBoot(b, render.Options{Width: *w, Height: *h, Rotate: *rotate, Mode: mode})
		if err == nil {
			err = bootscreenPNG(*out, img)
		}
		if err != nil {
			fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	start := time.Now()
	// The console stays in graphics mode: the picture must stay until the
	// server draws its own.
	dev, err := framebuffer.Open(*fbPath, framebuffer.Options{Console: consoleTTY})
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
		return exitFailure
	}
	defer dev.Close()
	g := dev.Geometry()
	screen, err := render.NewScreen(render.Options{Width: g.Width, Height: g.Height, Rotate: *rotate, Mode: mode})
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: framebuffer %s: %v\n", g, err)
		return exitFailure
	}
	f := screen.DrawBoot(b)
	if _, err := dev.Write(f.Image, f.Dirty); err != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", err)
		return exitFailure
	}
	if dev.ConsoleErr != nil {
		fmt.Fprintf(stderr, "calendarbot bootscreen: %v\n", dev.ConsoleErr)
	}
	fmt.Fprintf(stdout, "boot screen drawn on %s (%s) in %s\n", *fbPath, g, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// bootscreenPNG writes img as a PNG file.
func bootscreenPNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render.EncodePNG(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
