//go:build linux

package framebuffer

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A regular file is not a framebuffer: Open says so.
func TestOpenNotAFramebuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fb0")
	if err := os.WriteFile(path, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a framebuffer device") {
		t.Fatalf("Open(regular file) = %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), Options{}); !os.IsNotExist(err) {
		t.Fatalf("Open(missing) = %v, want not-exist", err)
	}
}

// Dirty rectangles written through a shared mapping of a file land in
// the file, as they land in the device's memory.
func TestWriteDirtyMmap(t *testing.T) {
	g := fakeLayout
	size := g.Stride * g.VirtualHeight
	path, f := fakeDevice(t, g)
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewMemory(g, mem)
	if err != nil {
		t.Fatal(err)
	}
	frame := testFrame(10, 6)
	dirty := []image.Rectangle{image.Rect(0, 0, 10, 1), image.Rect(9, 5, 10, 6)}
	if n, err := d.Write(frame, dirty); err != nil || n != 11 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := unix.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkMem(t, g, got, frame, dirty)
}

// Memory that goes away under a mapping (here: the file behind it is
// truncated, as a removed display's memory would vanish) makes Write
// return an error instead of killing the process with SIGBUS; a closed
// device refuses to write.
func TestWriteFaultIsAnError(t *testing.T) {
	g := fakeLayout
	size := g.Stride * g.VirtualHeight
	_, f := fakeDevice(t, g)
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	d, err := NewMemory(g, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	frame := testFrame(10, 6)
	_, err = d.Write(frame, []image.Rectangle{frame.Bounds()})
	if err == nil || !strings.Contains(err.Error(), "memory fault") {
		t.Fatalf("Write to vanished memory = %v, want a memory fault error", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write(frame, []image.Rectangle{frame.Bounds()}); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Close = %v, want os.ErrClosed", err)
	}
}
