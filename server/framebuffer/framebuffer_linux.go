//go:build linux

package framebuffer

import (
	"bytes"

	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctls and constants from linux/fb.h and linux/kd.h.
const (
	fbioGetVScreenInfo  = 0x4600
	fbioGetFScreenInfo  = 0x4602
	fbTypePackedPixels  = 0
	fbVisualTrueColor   = 2
	fbVisualDirectColor = 4

	kdSetMode  = 0x4B3A
	kdGetMode  = 0x4B3B
	kdText     = 0x00
	kdGraphics = 0x01
)

type fbBitfield struct{ Offset, Length, MSBRight uint32 }

// fbVarScreeninfo is struct fb_var_screeninfo.
type fbVarScreeninfo struct {
	XRes, YRes, XResVirtual, YResVirtual uint32
	XOffset, YOffset                     uint32
	BitsPerPixel, Grayscale              uint32
	Red, Green, Blue, Transp             fbBitfield
	Nonstd, Activate                     uint32
	Height, Width                        uint32 // mm
	AccelFlags, Pixclock                 uint32
	LeftMargin, RightMargin              uint32
	UpperMargin, LowerMargin             uint32
	HsyncLen, VsyncLen, Sync, Vmode      uint32
	Rotate, Colorspace                   uint32
	Reserved                             [4]uint32
}

// fbFixScreeninfo is struct fb_fix_screeninfo ("unsigned long" is uintptr:
// the layout is right on 32- and 64-bit kernels alike).
type fbFixScreeninfo struct {
	ID           [16]byte
	SmemStart    uintptr
	SmemLen      uint32
	Type         uint32
	TypeAux      uint32
	Visual       uint32
	XPanStep     uint16
	YPanStep     uint16
	YWrapStep    uint16
	LineLength   uint32
	MmioStart    uintptr
	MmioLen      uint32
	Accel        uint32
	Capabilities uint16
	Reserved     [2]uint16
}

func ioctlPtr(fd uintptr, req uintptr, p unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(p)); e != 0 {
		return e
	}
	return nil
}

// ReadGeometry asks the device behind f for its layout.
func ReadGeometry(f *os.File) (Geometry, error) {
	var v fbVarScreeninfo
	var x fbFixScreeninfo
	if err := ioctlPtr(f.Fd(), fbioGetVScreenInfo, unsafe.Pointer(&v)); err != nil {
		return Geometry{}, fmt.Errorf("%s is not a framebuffer device (FBIOGET_VSCREENINFO: %w)", f.Name(), err)
	}
	if err := ioctlPtr(f.Fd(), fbioGetFScreenInfo, unsafe.Pointer(&x)); err != nil {
		return Geometry{}, fmt.Errorf("%s: FBIOGET_FSCREENINFO: %w", f.Name(), err)
	}
	id := string(bytes.TrimRight(x.ID[:], "\x00"))
	if x.Type != fbTypePackedPixels {
		return Geometry{}, fmt.Errorf("%w: %s (%s) stores pixels in planes (type %d), not packed", ErrGeometry, f.Name(), id, x.Type)
	}
	if x.Visual != fbVisualTrueColor && x.Visual != fbVisualDirectColor {
		return Geometry{}, fmt.Errorf("%w: %s (%s) uses a colour palette (visual %d, %d bpp), not true colour", ErrGeometry, f.Name(), id, x.Visual, v.BitsPerPixel)
	}
	bf := func(b fbBitfield) Bitfield {
		return Bitfield{Offset: b.Offset, Length: b.Length, MSBRight: b.MSBRight != 0}
	}
	g := Geometry{
		Width: int(v.XRes), Height: int(v.YRes), XOffset: int(v.XOffset), YOffset: int(v.YOffset),
		VirtualWidth: int(v.XResVirtual), VirtualHeight: int(v.YResVirtual),
		Stride: int(x.LineLength), MemLen: int(x.SmemLen), ID: id,
		WidthMM: int(v.Width), HeightMM: int(v.Height),
		Format: Format{BitsPerPixel: int(v.BitsPerPixel), Red: bf(v.Red), Green: bf(v.Green), Blue: bf(v.Blue), Transp: bf(v.Transp)},
	}
	if int32(v.Width) <= 0 {
		g.WidthMM = 0
	}
	if int32(v.Height) <= 0 {
		g.HeightMM = 0
	}
	if err := g.Validate(); err != nil {
		return Geometry{}, fmt.Errorf("%s (%s): %w", f.Name(), id, err)
	}
	return g, nil
}

// Options for Open.
type Options struct {
	// Console is the text console to switch to graphics mode so the
	// kernel stops drawing text and the cursor over the picture
	// (KDSETMODE KD_GRAPHICS), e.g. "/dev/tty0"; "" leaves it alone.
	Console string
	// RestoreConsole switches the console back to text mode on Close if
	// Open found it in text mode. The boot screen leaves it in graphics
	// mode so that its picture stays until the server draws.
	RestoreConsole bool
	// NoMmap writes rows with pwrite instead of mapping the memory.
	NoMmap bool
}

// Open opens a framebuffer device, reads its geometry, maps its memory
// (falling back to pwrite when the driver cannot map) and, with
// o.Console, stops the text console from drawing over it.
func Open(path string, o Options) (*Device, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	g, err := ReadGeometry(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	var d *Device
	if !o.NoMmap {
		if mem, merr := unix.Mmap(int(f.Fd()), 0, g.normalized().MemLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); merr == nil {
			if d, err = NewMemory(g, mem); err != nil {
				unix.Munmap(mem)
				f.Close()
				return nil, err
			}
			d.done = append(d.done, func() error { return unix.Munmap(mem) })
		}
	}
	if d == nil {
		if d, err = New(g, f); err != nil {
			f.Close()
			return nil, err
		}
	}
	d.path = path
	d.done = append([]func() error{f.Close}, d.done...)
	if o.Console != "" {
		if restore, err := graphicsConsole(o.Console); err == nil {
			if o.RestoreConsole && restore != nil {
				d.done = append(d.done, restore)
			}
		} else {
			d.ConsoleErr = err
		}
	}
	return d, nil
}

// graphicsConsole switches tty to KD_GRAPHICS and turns off fbcon's
// blinking cursor. The returned function switches back to text mode; it is
// nil if the console was already in graphics mode.
func graphicsConsole(tty string) (func() error, error) {
	// Best effort: the cursor blink is fbcon's, harmless if absent.
	_ = os.WriteFile("/sys/class/graphics/fbcon/cursor_blink", []byte("0"), 0)
	f, err := os.OpenFile(tty, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot open the console %s to hide its text: %w", tty, err)
	}
	var mode int32
	if err := ioctlPtr(f.Fd(), kdGetMode, unsafe.Pointer(&mode)); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is not a virtual terminal (KDGETMODE: %w)", tty, err)
	}
	if mode == kdGraphics {
		f.Close()
		return nil, nil
	}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, f.Fd(), kdSetMode, kdGraphics); e != 0 {
		f.Close()
		return nil, fmt.Errorf("%s: KDSETMODE KD_GRAPHICS: %w", tty, e)
	}
	return func() error {
		defer f.Close()
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, f.Fd(), kdSetMode, kdText); e != 0 {
			return fmt.Errorf("%s: KDSETMODE KD_TEXT: %w", tty, e)
		}
		return nil
	}, nil
}
