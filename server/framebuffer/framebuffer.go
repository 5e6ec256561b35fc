// Package framebuffer writes rendered frames to a Linux framebuffer device
// (/dev/fb0): the appliance's HDMI screen, with no browser and no X.
//
// The portable part, this file, knows the memory layout of a framebuffer
// (Geometry: visible size and offsets, line stride, pixel format from the
// kernel's bitfields) and packs image rows into it: 16 bpp (RGB565 and
// friends), 24 bpp and 32 bpp (XRGB8888, BGRX8888, ...), from *image.RGBA
// or *image.Gray frames. Only the rectangles that changed are written.
// Opening a device (ioctls, mmap, the text console) is Linux-only
// (framebuffer_linux.go); elsewhere Open says so and the server runs
// without a screen.
//
// Pixel values are stored in the CPU's byte order, which is little-endian
// on every platform CalendarBot is built for (arm64, armv7, amd64).
package framebuffer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"runtime/debug"
)

// Bitfield is where one colour channel sits in a pixel value
// (struct fb_bitfield): Length bits starting at bit Offset.
type Bitfield struct {
	Offset, Length uint32
	MSBRight       bool // most significant bit on the right: not supported
}

// Format is a packed true-colour pixel format.
type Format struct {
	BitsPerPixel             int
	Red, Green, Blue, Transp Bitfield // Transp (alpha) may have Length 0
}

// Common formats (as the kernel describes them on a little-endian CPU).
var (
	RGB565   = Format{BitsPerPixel: 16, Red: Bitfield{Offset: 11, Length: 5}, Green: Bitfield{Offset: 5, Length: 6}, Blue: Bitfield{Length: 5}}
	RGB888   = Format{BitsPerPixel: 24, Red: Bitfield{Offset: 16, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Length: 8}}
	XRGB8888 = Format{BitsPerPixel: 32, Red: Bitfield{Offset: 16, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Length: 8}}
	ARGB8888 = Format{BitsPerPixel: 32, Red: Bitfield{Offset: 16, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Length: 8}, Transp: Bitfield{Offset: 24, Length: 8}}
	XBGR8888 = Format{BitsPerPixel: 32, Red: Bitfield{Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Offset: 16, Length: 8}}
	BGRX8888 = Format{BitsPerPixel: 32, Red: Bitfield{Offset: 8, Length: 8}, Green: Bitfield{Offset: 16, Length: 8}, Blue: Bitfield{Offset: 24, Length: 8}}
)

// String names the format the way DRM does for the common ones
// ("XRGB8888", "RGB565"), else spells out the bitfields.
func (f Format) String() string {
	switch f {
	case RGB565:
		return "RGB565"
	case RGB888:
		return "RGB888"
	case XRGB8888:
		return "XRGB8888"
	case ARGB8888:
		return "ARGB8888"
	case XBGR8888:
		return "XBGR8888"
	case BGRX8888:
		return "BGRX8888"
	}
	return fmt.Sprintf("%dbpp r%d@%d g%d@%d b%d@%d a%d@%d", f.BitsPerPixel,
		f.Red.Length, f.Red.Offset, f.Green.Length, f.Green.Offset, f.Blue.Length, f.Blue.Offset, f.Transp.Length, f.Transp.Offset)
}

// Validate reports formats this package cannot write.
func (f Format) Validate() error {
	switch f.BitsPerPixel {
	case 16, 24, 32:
	default:
		return fmt.Errorf("%d bits per pixel is not supported (16, 24 or 32 bpp true colour)", f.BitsPerPixel)
	}
	for _, c := range []struct {
		name string
		b    Bitfield
		opt  bool
	}{{"red", f.Red, false}, {"green", f.Green, false}, {"blue", f.Blue, false}, {"alpha", f.Transp, true}} {
		if c.b.Length == 0 && c.opt {
			continue
		}
		if c.b.Length == 0 || c.b.Length > 16 {
			return fmt.Errorf("%s channel is %d bits wide (want 1..16)", c.name, c.b.Length)
		}
		// Offset is checked on its own first: a huge one would wrap the sum.
		if c.b.Offset >= uint32(f.BitsPerPixel) || c.b.Offset+c.b.Length > uint32(f.BitsPerPixel) {
			return fmt.Errorf("%s channel (bits %d..%d) lies outside the %d-bit pixel", c.name, c.b.Offset, uint64(c.b.Offset)+uint64(c.b.Length)-1, f.BitsPerPixel)
		}
		if c.b.MSBRight {
			return fmt.Errorf("%s channel is stored most significant bit on the right: not supported", c.name)
		}
	}
	return nil
}

// BytesPerPixel is BitsPerPixel / 8.
func (f Format) BytesPerPixel() int { return f.BitsPerPixel / 8 }

// Geometry is a framebuffer's memory layout (from FBIOGET_VSCREENINFO and
// FBIOGET_FSCREENINFO).
type Geometry struct {
	Width, Height     int // visible resolution (xres, yres)
	XOffset           int // visible area's position in the virtual one (xoffset, yoffset)
	YOffset           int
	VirtualWidth      int // xres_virtual; 0 = Width
	VirtualHeight     int // yres_virtual; 0 = Height
	Stride            int // bytes per line (line_length); 0 = VirtualWidth * bytes per pixel
	MemLen            int // bytes of framebuffer memory (smem_len); 0 = Stride * VirtualHeight
	Format            Format
	ID                string // driver name (fix.id), e.g. "bochs-drmdrmfb", "simple"
	WidthMM, HeightMM int    // physical size when the driver knows it
}

// ErrUnsupported is returned by Open where there are no framebuffer
// devices (anything but Linux).
var ErrUnsupported = errors.New("framebuffer devices exist only on Linux")

// ErrGeometry wraps every Validate error.
var ErrGeometry = errors.New("unusable framebuffer geometry")

// maxSide bounds every size and offset in pixels that Validate accepts:
// far beyond any real screen (or virtual screen for panning), small enough
// that sums and products of them cannot overflow an int, even on 32 bits.
const maxSide = 1 << 20

// normalized fills in the zero defaults.
func (g Geometry) normalized() Geometry {
	if g.VirtualWidth == 0 {
		g.VirtualWidth = g.Width
	}
	if g.VirtualHeight == 0 {
		g.VirtualHeight = g.Height
	}
	if g.Stride == 0 {
		g.Stride = g.VirtualWidth * g.Format.BytesPerPixel()
	}
	if g.MemLen == 0 {
		g.MemLen, _ = mulInt(g.Stride, g.VirtualHeight)
	}
	return g
}

// mulInt is a*b for a, b >= 0, saturated at math.MaxInt; ok is false when
// it saturated.
func mulInt(a, b int) (p int, ok bool) {
	if a <= 0 || b <= 0 {
		return a * b, true
	}
	if a > math.MaxInt/b {
		return math.MaxInt, false
	}
	return a * b, true
}

// Validate checks that the visible area fits the memory described.
func (g Geometry) Validate() error {
	g = g.normalized()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrGeometry, fmt.Sprintf(format, a...))
	}
	if err := g.Format.Validate(); err != nil {
		return bad("%v", err)
	}
	if g.Width <= 0 || g.Height <= 0 {
		return bad("visible size %dx%d", g.Width, g.Height)
	}
	for _, v := range []int{g.Width, g.Height, g.XOffset, g.YOffset, g.VirtualWidth, g.VirtualHeight} {
		if v > maxSide {
			return bad("visible %dx%d at +%d+%d of a virtual %dx%d: more than %d pixels", g.Width, g.Height, g.XOffset, g.YOffset, g.VirtualWidth, g.VirtualHeight, maxSide)
		}
	}
	if g.Stride < 0 || g.MemLen < 0 {
		return bad("line length %d bytes, %d bytes of memory", g.Stride, g.MemLen)
	}
	if g.XOffset < 0 || g.YOffset < 0 || g.XOffset+g.Width > g.VirtualWidth || g.YOffset+g.Height > g.VirtualHeight {
		return bad("visible %dx%d at +%d+%d does not fit the virtual %dx%d", g.Width, g.Height, g.XOffset, g.YOffset, g.VirtualWidth, g.VirtualHeight)
	}
	bpp := g.Format.BytesPerPixel()
	if g.Stride < (g.XOffset+g.Width)*bpp {
		return bad("line length %d bytes is shorter than %d pixels of %d bytes", g.Stride, g.XOffset+g.Width, bpp)
	}
	rows, ok := mulInt(g.YOffset+g.Height-1, g.Stride)
	if !ok || rows > math.MaxInt-(g.XOffset+g.Width)*bpp {
		return bad("line length %d bytes: the visible area lies beyond any memory", g.Stride)
	}
	if need := rows + (g.XOffset+g.Width)*bpp; g.MemLen < need {
		return bad("%d bytes of memory, the visible area needs %d", g.MemLen, need)
	}
	return nil
}

// Bounds is the visible area in frame coordinates.
func (g Geometry) Bounds() image.Rectangle { return image.Rect(0, 0, g.Width, g.Height) }

// String is "800x480 XRGB8888 (stride 3200)".
func (g Geometry) String() string {
	g = g.normalized()
	return fmt.Sprintf("%dx%d %s (line %d bytes)", g.Width, g.Height, g.Format, g.Stride)
}

// offset is the byte offset of visible pixel (x, y).
func (g Geometry) offset(x, y int) int {
	return (y+g.YOffset)*g.Stride + (x+g.XOffset)*g.Format.BytesPerPixel()
}

// encoder turns 8-bit channels into pixel values of one format.
type encoder struct {
	f      Format
	bpp    int // bytes
	opaque uint32
	// byte positions for the 8-bit-per-channel fast path; -1 if not usable
	ri, gi, bi, ai int
}

func newEncoder(f Format) encoder {
	e := encoder{f: f, bpp: f.BytesPerPixel(), ri: -1}
	if f.Transp.Length > 0 {
		e.opaque = ((1 << f.Transp.Length) - 1) << f.Transp.Offset
	}
	aligned := func(b Bitfield) bool { return b.Length == 8 && b.Offset%8 == 0 }
	if aligned(f.Red) && aligned(f.Green) && aligned(f.Blue) && (f.Transp.Length == 0 || aligned(f.Transp)) {
		e.ri, e.gi, e.bi, e.ai = int(f.Red.Offset/8), int(f.Green.Offset/8), int(f.Blue.Offset/8), -1
		if f.Transp.Length > 0 {
			e.ai = int(f.Transp.Offset / 8)
		}
	}
	return e
}

// scale turns an 8-bit channel value into n bits.
func scale(v uint8, b Bitfield) uint32 {
	n := b.Length
	var s uint32
	if n <= 8 {
		s = uint32(v) >> (8 - n)
	} else {
		s = uint32(v)<<(n-8) | uint32(v)>>(16-n)
	}
	return s << b.Offset
}

// Pixel is the pixel value for an 8-bit colour.
func (f Format) Pixel(r, g, b uint8) uint32 {
	e := newEncoder(f)
	return e.value(r, g, b)
}

func (e *encoder) value(r, g, b uint8) uint32 {
	return scale(r, e.f.Red) | scale(g, e.f.Green) | scale(b, e.f.Blue) | e.opaque
}

// put stores one pixel at dst[0:bpp].
func (e *encoder) put(dst []byte, r, g, b uint8) {
	if e.ri >= 0 && e.bpp >= 3 {
		if e.bpp == 4 {
			dst[0], dst[1], dst[2], dst[3] = 0, 0, 0, 0
		}
		dst[e.ri], dst[e.gi], dst[e.bi] = r, g, b
		if e.ai >= 0 {
			dst[e.ai] = 0xff
		}
		return
	}
	v := e.value(r, g, b)
	switch e.bpp {
	case 2:
		binary.LittleEndian.PutUint16(dst, uint16(v))
	case 3:
		dst[0], dst[1], dst[2] = byte(v), byte(v>>8), byte(v>>16)
	default:
		binary.LittleEndian.PutUint32(dst, v)
	}
}

// packRow encodes src's pixels (x0..x1, y) into dst, which holds
// (x1-x0)*bytes-per-pixel bytes.
func (e *encoder) packRow(dst []byte, src image.Image, x0, x1, y int) {
	bpp := e.bpp
	switch s := src.(type) {
	case *image.RGBA:
		p := s.Pix[s.PixOffset(x0, y):]
		if e.bpp == 4 && e.ri >= 0 && e.ai < 0 {
			// XRGB8888/XBGR8888/BGRX8888: the common case, byte moves only.
			ri, gi, bi := e.ri, e.gi, e.bi
			for i := 0; i < x1-x0; i++ {
				d := dst[i*4 : i*4+4 : i*4+4]
				d[0], d[1], d[2], d[3] = 0, 0, 0, 0
				d[ri], d[gi], d[bi] = p[i*4], p[i*4+1], p[i*4+2]
			}
			return
		}
		if e.f == RGB565 {
			// The Pi firmware's default framebuffer depth.
			for i := 0; i < x1-x0; i++ {
				v := uint16(p[i*4])>>3<<11 | uint16(p[i*4+1])>>2<<5 | uint16(p[i*4+2])>>3
				dst[i*2], dst[i*2+1] = byte(v), byte(v>>8)
			}
			return
		}
		for i := 0; i < x1-x0; i++ {
			e.put(dst[i*bpp:], p[i*4], p[i*4+1], p[i*4+2])
		}
	case *image.Gray:
		p := s.Pix[s.PixOffset(x0, y):]
		for i := 0; i < x1-x0; i++ {
			e.put(dst[i*bpp:], p[i], p[i], p[i])
		}
	default:
		for i := 0; i < x1-x0; i++ {
			c := color.RGBAModel.Convert(src.At(x0+i, y)).(color.RGBA)
			e.put(dst[i*bpp:], c.R, c.G, c.B)
		}
	}
}

// clip limits r to the frame and the visible area.
func (g Geometry) clip(src image.Image, r image.Rectangle) image.Rectangle {
	return r.Intersect(src.Bounds()).Intersect(g.Bounds())
}

// Pack writes rectangle r of src into mem, a copy of the framebuffer's
// memory (as mmap gives it), and returns the number of pixels written.
// r is clipped to src and to the visible area.
func (g Geometry) Pack(mem []byte, src image.Image, r image.Rectangle) int {
	g = g.normalized()
	r = g.clip(src, r)
	if r.Empty() {
		return 0
	}
	e := newEncoder(g.Format)
	n := r.Dx() * e.bpp
	for y := r.Min.Y; y < r.Max.Y; y++ {
		off := g.offset(r.Min.X, y)
		e.packRow(mem[off:off+n], src, r.Min.X, r.Max.X, y)
	}
	return r.Dx() * r.Dy()
}

// Device is an open framebuffer: its memory mapped, or a file written
// row by row.
type Device struct {
	g      Geometry
	enc    encoder
	mem    []byte         // mmapped memory, or nil
	w      io.WriterAt    // used when mem is nil
	row    []byte         // scratch for WriterAt
	done   []func() error // run by Close, last first
	path   string
	closed bool
	// ConsoleErr is why Open could not stop the text console from drawing
	// over the picture (nil if it could, or was not asked to).
	ConsoleErr error
}

// New returns a Device that writes rows to w at the offsets g describes
// (a file standing in for the device, or anything else).
func New(g Geometry, w io.WriterAt) (*Device, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	g = g.normalized()
	return &Device{g: g, enc: newEncoder(g.Format), w: w}, nil
}

// NewMemory returns a Device that writes into mem (a mapping of the
// device's memory).
func NewMemory(g Geometry, mem []byte) (*Device, error) {
	g = g.normalized()
	if len(mem) < g.MemLen {
		g.MemLen = len(mem)
	}
	if g.MemLen <= 0 { // Validate would take 0 for "the default"
		return nil, fmt.Errorf("%w: %d bytes of memory", ErrGeometry, len(mem))
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &Device{g: g, enc: newEncoder(g.Format), mem: mem}, nil
}

// Geometry returns the device's layout.
func (d *Device) Geometry() Geometry { return d.g }

// Path is the device path given to Open ("" for New).
func (d *Device) Path() string { return d.path }

// Mapped reports whether the device's memory is mapped (else rows are
// written with pwrite).
func (d *Device) Mapped() bool { return d.mem != nil }

// Write packs the dirty rectangles of frame into the framebuffer and
// returns how many pixels it wrote. Rectangles are clipped to the frame
// and the visible area; overlapping ones are written twice.
//
// A mapped device whose memory goes away under it (driver unbound, display
// removed) faults instead of failing a write; Write turns that fault into
// an error, so that the display loop closes the device and retries instead
// of the whole server dying with SIGBUS.
func (d *Device) Write(frame image.Image, dirty []image.Rectangle) (pixels int, err error) {
	if d.closed {
		return 0, fmt.Errorf("writing framebuffer %s: %w", d.path, os.ErrClosed)
	}
	if d.mem != nil {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				if _, fault := r.(interface{ Addr() uintptr }); !fault {
					panic(r)
				}
				err = fmt.Errorf("writing framebuffer %s: memory fault (was the display removed?): %v", d.path, r)
			}
		}()
	}
	for _, r := range dirty {
		if d.mem != nil {
			pixels += d.g.Pack(d.mem, frame, r)
			continue
		}
		r = d.g.clip(frame, r)
		if r.Empty() {
			continue
		}
		n := r.Dx() * d.enc.bpp
		if cap(d.row) < n {
			d.row = make([]byte, n)
		}
		row := d.row[:n]
		for y := r.Min.Y; y < r.Max.Y; y++ {
			d.enc.packRow(row, frame, r.Min.X, r.Max.X, y)
			if _, err := d.w.WriteAt(row, int64(d.g.offset(r.Min.X, y))); err != nil {
				return pixels, fmt.Errorf("writing framebuffer %s: %w", d.path, err)
			}
		}
		pixels += r.Dx() * r.Dy()
	}
	return pixels, nil
}

// Close unmaps the memory, closes the device and gives the console back
// if Open took it.
func (d *Device) Close() error {
	var errs []error
	for i := len(d.done) - 1; i >= 0; i-- {
		errs = append(errs, d.done[i]())
	}
	d.done, d.mem, d.closed = nil, nil, true
	return errors.Join(errs...)
}
