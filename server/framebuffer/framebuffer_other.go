//go:build !linux

package framebuffer

import (
	"fmt"
	"runtime"
)

// Options for Open (see the Linux implementation).
type Options struct {
	Console        string
	RestoreConsole bool
	NoMmap         bool
}

// Open fails: framebuffer devices are Linux's.
func Open(path string, o Options) (*Device, error) {
	return nil, fmt.Errorf("%s: %w (this is %s)", path, ErrUnsupported, runtime.GOOS)
}
