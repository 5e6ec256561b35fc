package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flag values are usage errors (exit 2) with a message naming the
// flag, whatever the output, and nothing is drawn or opened.
func TestBootscreenBadFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "boot.png")
	fb := filepath.Join(dir, "fb0") // does not exist: it must not even be opened
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-o", out, "--w", "10"}, "size 10x480 out of range"},
		{[]string{"-o", out, "--h", "-1"}, "size 800x-1 out of range"},
		{[]string{"-o", out, "--w", "100000", "--h", "100000"}, "out of range"},
		{[]string{"-o", out, "--rotate", "45"}, "rotation 45"},
		{[]string{"--framebuffer", fb, "--rotate", "45"}, "rotation 45"},
		{[]string{"--framebuffer", fb, "--rotate", "-90"}, "rotation -90"},
		{[]string{"-o", out, "--w", "abc"}, "invalid argument"},
		{[]string{"-o", out, "--display-mode", "sepia"}, "unknown display mode"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), append([]string{"bootscreen"}, tc.args...), nil, io.Discard, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%q: exit %d, %q; want %d with %q", tc.args, code, stderr.String(), exitUsage, tc.msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: wrote %s", tc.args, out)
			os.Remove(out)
		}
	}
}
