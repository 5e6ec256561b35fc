// Package render draws CalendarBot's what's-next screen as an image: the
// appliance writes it to the Linux framebuffer (no browser on a 512 MB
// board) and e-ink clients fetch it as a PNG. It follows the kiosk page's
// design language (server/web) and words things the same way.
//
// The package is pure Go and portable; it knows nothing about HTTP, the
// service or framebuffer devices. Callers copy what the screen shows into
// a View (or a Boot for the boot screen).
package render

import (
	"fmt"
	"image"
	"strings"
	"time"
)

// Mode is the colour depth of the output.
type Mode uint8

const (
	ModeColor Mode = iota // 24-bit colour
	ModeGray              // 8-bit grey
	ModeMono              // 1-bit, dithered, for e-ink
)

// String returns the mode's name as ParseMode accepts it.
func (m Mode) String() string {
	switch m {
	case ModeGray:
		return "gray"
	case ModeMono:
		return "mono"
	default:
		return "color"
	}
}

// ParseMode parses "color", "gray" or "mono" (also "colour", "grey",
// "bw"; case-insensitive; "" is colour).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "color", "colour":
		return ModeColor, nil
	case "gray", "grey":
		return ModeGray, nil
	case "mono", "bw", "1bit":
		return ModeMono, nil
	}
	return 0, fmt.Errorf("unknown display mode %q (want color, gray or mono)", s)
}

// Limits on the output size: large enough for any real panel, small enough
// that a request cannot make the server allocate hundreds of megabytes.
const (
	MinSize = 64
	MaxSize = 4096
)

// Options select the output geometry. Width and Height are the size of
// the output image as the device stores it; Rotate (0, 90, 180 or 270
// degrees, clockwise) turns the drawing for displays mounted sideways,
// so Rotate 90 on an 800×480 panel draws the portrait 480×800 layout.
type Options struct {
	Width, Height int
	Rotate        int
	Mode          Mode
}

// Validate reports options the renderer cannot honour, in words for a user.
func (o Options) Validate() error {
	if o.Width < MinSize || o.Height < MinSize || o.Width > MaxSize || o.Height > MaxSize {
		return fmt.Errorf("size %dx%d out of range (%d..%d per side)", o.Width, o.Height, MinSize, MaxSize)
	}
	switch o.Rotate {
	case 0, 90, 180, 270:
	default:
		return fmt.Errorf("rotation %d: want 0, 90, 180 or 270", o.Rotate)
	}
	if o.Mode > ModeMono {
		return fmt.Errorf("unknown mode %d", o.Mode)
	}
	return nil
}

// Meeting is one meeting as the screen shows it. Times are instants.
type Meeting struct {
	Subject   string
	Location  string
	Calendar  string
	Color     string // #RRGGBB; anything else is ignored
	Start     time.Time
	End       time.Time
	AllDay    bool
	Tentative bool
}

// Feed is one feed's freshness.
type Feed struct {
	Name        string
	Stale       bool
	Error       string    // the last fetch's error, already free of secrets
	LastSuccess time.Time // zero: never
}

// View is everything the what's-next screen shows.
type View struct {
	Now time.Time      // the clock; zero: time.Now()
	Loc *time.Location // display zone; nil: UTC

	Current *Meeting  // the meeting in progress, or nil
	Next    *Meeting  // the next meeting to start, or nil
	Later   []Meeting // the meetings after Next (the screen shows what fits)
	AllDay  []Meeting // today's all-day events

	Loaded    bool      // the calendar has been loaded at least once
	Stale     bool      // the data is older than it should be
	UpdatedAt time.Time // last successful refresh; zero: never
	Feeds     []Feed

	// Coarse words countdowns to the minute ("in 42 min", "27 min left")
	// instead of a ticking mm:ss: for images looked at for minutes, such
	// as e-ink panels and PNG clients that refresh every few minutes.
	Coarse bool

	ClockUnsynced bool     // the appliance has not set its clock from the network
	NoNetwork     bool     // the appliance has no network address
	Notices       []string // other problems, in words a user can act on
}

// StepState is how far a boot step got.
type StepState uint8

const (
	StepPending StepState = iota
	StepRunning
	StepDone
	StepFailed
	StepSkipped
)

// Step is one line of the boot screen ("Network", done, "192.168.1.20").
type Step struct {
	Name   string
	State  StepState
	Detail string
}

// Boot is the appliance's boot screen: progress and, when something stops
// it, the problem in words a user can act on.
type Boot struct {
	Title   string // "CalendarBot" when empty
	Version string
	Steps   []Step
	Error   string // e.g. "No calendarbot.toml on the SD card"
	Hint    string // e.g. "Copy calendarbot.toml to the card's boot partition from any computer."
	Address string // where the server can be reached, when known
}

// Frame is a rendered screen in the output's orientation and size.
// Image is an *image.RGBA for ModeColor and an *image.Gray for ModeGray
// and ModeMono (mono pixels are exactly 0 or 255).
type Frame struct {
	Image image.Image
	// Dirty lists the rectangles (in Image's coordinates) that changed
	// since the previous frame of the same Screen; the whole image for
	// the first frame.
	Dirty []image.Rectangle
}
