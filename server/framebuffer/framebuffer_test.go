package framebuffer

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onePixel packs a single pixel of src into a 1x1 framebuffer.
func onePixel(t *testing.T, f Format, src image.Image) []byte {
	t.Helper()
	g := Geometry{Width: 1, Height: 1, Format: f}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, f.BytesPerPixel())
	if n := g.Pack(mem, src, src.Bounds()); n != 1 {
		t.Fatalf("packed %d pixels, want 1", n)
	}
	return mem
}

func rgba(c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.SetRGBA(0, 0, c)
	return img
}

func gray(y uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.SetGray(0, 0, color.Gray{Y: y})
	return img
}

// The expected bytes are worked out by hand from the bitfields,
// little-endian.
func TestPackFormats(t *testing.T) {
	c := color.RGBA{0x12, 0x34, 0x56, 0xff}
	rgb101010 := Format{BitsPerPixel: 32, Red: Bitfield{Offset: 20, Length: 10}, Green: Bitfield{Offset: 10, Length: 10}, Blue: Bitfield{Length: 10}}
	bgr565 := Format{BitsPerPixel: 16, Red: Bitfield{Length: 5}, Green: Bitfield{Offset: 5, Length: 6}, Blue: Bitfield{Offset: 11, Length: 5}}
	for _, tc := range []struct {
		name string
		f    Format
		src  image.Image
		want []byte
	}{
		// r 0x12>>3=2, g 0x34>>2=13, b 0x56>>3=10: 2<<11|13<<5|10 = 0x11aa
		{"RGB565", RGB565, rgba(c), []byte{0xaa, 0x11}},
		{"RGB565 red", RGB565, rgba(color.RGBA{0xff, 0, 0, 0xff}), []byte{0x00, 0xf8}},
		{"RGB565 white", RGB565, rgba(color.RGBA{0xff, 0xff, 0xff, 0xff}), []byte{0xff, 0xff}},
		// grey 0x80: r 16, g 32, b 16: 16<<11|32<<5|16 = 0x8410
		{"RGB565 gray", RGB565, gray(0x80), []byte{0x10, 0x84}},
		// b 2<<11 | g 13<<5 | r 10 = 0x11aa with red and blue swapped: 10<<11|13<<5|2 = 0x51a2
		{"BGR565", bgr565, rgba(c), []byte{0xa2, 0x51}},
		{"RGB888", RGB888, rgba(c), []byte{0x56, 0x34, 0x12}},
		{"RGB888 gray", RGB888, gray(0x7f), []byte{0x7f, 0x7f, 0x7f}},
		{"XRGB8888", XRGB8888, rgba(c), []byte{0x56, 0x34, 0x12, 0x00}},
		{"ARGB8888", ARGB8888, rgba(c), []byte{0x56, 0x34, 0x12, 0xff}},
		{"XBGR8888", XBGR8888, rgba(c), []byte{0x12, 0x34, 0x56, 0x00}},
		{"BGRX8888", BGRX8888, rgba(c), []byte{0x00, 0x12, 0x34, 0x56}},
		{"XRGB8888 gray", XRGB8888, gray(0xc8), []byte{0xc8, 0xc8, 0xc8, 0x00}},
		// 10-bit channels: 0x12 -> 0x048, 0x34 -> 0x0d0, 0x56 -> 0x159 (top bits replicated)
		// 0x048<<20 | 0x0d0<<10 | 0x159 = 0x04834159
		{"RGB101010", rgb101010, rgba(c), []byte{0x59, 0x41, 0x83, 0x04}},
		// a source that is neither RGBA nor Gray goes through color.RGBAModel
		{"XRGB8888 NRGBA", XRGB8888, func() image.Image {
			img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
			img.Set(0, 0, color.NRGBA{0x12, 0x34, 0x56, 0xff})
			return img
		}(), []byte{0x56, 0x34, 0x12, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := onePixel(t, tc.f, tc.src); !bytes.Equal(got, tc.want) {
				t.Errorf("got % x, want % x", got, tc.want)
			}
		})
	}
	if v := RGB565.Pixel(0xff, 0, 0); v != 0xf800 {
		t.Errorf("RGB565.Pixel(red) = %#x", v)
	}
	if s := XRGB8888.String(); s != "XRGB8888" {
		t.Errorf("String() = %q", s)
	}
}

// testFrame is a w×h frame whose pixel (x, y) is (x, y, x+y).
func testFrame(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 0xff})
		}
	}
	return img
}

// fakeLayout: a 10x6 visible area at +2+1 of a 16x8 virtual screen with
// 4 bytes of padding per line, 32 bpp.
var fakeLayout = Geometry{Width: 10, Height: 6, XOffset: 2, YOffset: 1, VirtualWidth: 16, VirtualHeight: 8,
	Stride: 16*4 + 4, Format: XRGB8888}

// checkMem checks that exactly the dirty pixels were written, at the
// right places, and nothing else was touched.
func checkMem(t *testing.T, g Geometry, mem []byte, frame *image.RGBA, dirty []image.Rectangle) {
	t.Helper()
	g = g.normalized()
	in := func(x, y int) bool {
		for _, r := range dirty {
			if image.Pt(x, y).In(r.Intersect(g.Bounds())) {
				return true
			}
		}
		return false
	}
	want := bytes.Repeat([]byte{0xaa}, len(mem))
	for y := 0; y < g.Height; y++ {
		for x := 0; x < g.Width; x++ {
			if in(x, y) {
				c := frame.RGBAAt(x, y)
				copy(want[(y+g.YOffset)*g.Stride+(x+g.XOffset)*4:], []byte{c.B, c.G, c.R, 0})
			}
		}
	}
	if !bytes.Equal(mem, want) {
		for i := range mem {
			if mem[i] != want[i] {
				t.Fatalf("byte %d (line %d, byte %d in line): got %#x, want %#x", i, i/g.Stride, i%g.Stride, mem[i], want[i])
			}
		}
	}
}

// fakeDevice is a file standing in for g's device memory, every byte 0xaa;
// it is closed when the test ends.
func fakeDevice(t *testing.T, g Geometry) (path string, f *os.File) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "fb")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0xaa}, g.Stride*g.VirtualHeight), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return path, f
}

func TestWriteDirtyToFile(t *testing.T) {
	g := fakeLayout
	path, f := fakeDevice(t, g)
	d, err := New(g, f)
	if err != nil {
		t.Fatal(err)
	}
	frame := testFrame(10, 6)
	// Two dirty rectangles, one hanging off the visible area (clipped).
	dirty := []image.Rectangle{image.Rect(1, 1, 4, 3), image.Rect(7, 4, 20, 9)}
	n, err := d.Write(frame, dirty)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*2+3*2 {
		t.Errorf("wrote %d pixels, want 12", n)
	}
	mem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := g.Stride * g.VirtualHeight
	if len(mem) != size {
		t.Fatalf("the file grew to %d bytes from %d", len(mem), size)
	}
	checkMem(t, g, mem, frame, dirty)

	// The memory path (as mmap gives it) writes the same bytes.
	mem2 := bytes.Repeat([]byte{0xaa}, size)
	dm, err := NewMemory(g, mem2)
	if err != nil {
		t.Fatal(err)
	}
	if n2, _ := dm.Write(frame, dirty); n2 != n {
		t.Errorf("memory device wrote %d pixels, file device %d", n2, n)
	}
	if !bytes.Equal(mem, mem2) {
		t.Error("the memory and the file device wrote different bytes")
	}
	// Nothing dirty, nothing written.
	if n, _ := dm.Write(frame, nil); n != 0 {
		t.Errorf("no dirty rectangles wrote %d pixels", n)
	}
}

func TestWriteGrayFrame(t *testing.T) {
	g := Geometry{Width: 4, Height: 2, Format: RGB565}
	mem := make([]byte, 4*2*2)
	d, err := NewMemory(g, mem)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 4, 2))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	if n, err := d.Write(img, []image.Rectangle{img.Bounds()}); err != nil || n != 8 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if !bytes.Equal(mem, bytes.Repeat([]byte{0xff}, 16)) {
		t.Errorf("white in RGB565: % x", mem)
	}
}

func TestGeometryErrors(t *testing.T) {
	ok := Geometry{Width: 800, Height: 480, Stride: 3200, MemLen: 3200 * 480, Format: XRGB8888}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid geometry: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Geometry)
		want string
	}{
		{"8 bpp palette", func(g *Geometry) { g.Format = Format{BitsPerPixel: 8} }, "8 bits per pixel is not supported"},
		{"zero size", func(g *Geometry) { g.Width = 0 }, "visible size 0x480"},
		{"short line", func(g *Geometry) { g.Stride = 3000 }, "line length 3000 bytes is shorter than 800 pixels"},
		{"little memory", func(g *Geometry) { g.MemLen = 3200 * 400 }, "1280000 bytes of memory, the visible area needs 1536000"},
		{"offset outside", func(g *Geometry) { g.YOffset = 10 }, "does not fit the virtual 800x480"},
		{"channel outside pixel", func(g *Geometry) { g.Format.Red.Offset = 30 }, "red channel (bits 30..37) lies outside the 32-bit pixel"},
		{"no green", func(g *Geometry) { g.Format.Green.Length = 0 }, "green channel is 0 bits wide"},
		{"msb right", func(g *Geometry) { g.Format.Blue.MSBRight = true }, "most significant bit on the right"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := ok
			tc.edit(&g)
			err := g.Validate()
			if err == nil || !errors.Is(err, ErrGeometry) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want ErrGeometry with %q", err, tc.want)
			}
			if _, err := New(g, nil); err == nil {
				t.Error("New accepted it")
			}
		})
	}
	// NewMemory with less memory than the geometry needs.
	if _, err := NewMemory(ok, make([]byte, 100)); err == nil {
		t.Error("NewMemory accepted 100 bytes for 800x480")
	}
}

func BenchmarkPackFullFrame(b *testing.B) {
	frame := testFrame(800, 480)
	for _, f := range []Format{XRGB8888, RGB565} {
		g := Geometry{Width: 800, Height: 480, Format: f}
		mem := make([]byte, 800*480*f.BytesPerPixel())
		b.Run(f.String(), func(b *testing.B) {
			for b.Loop() {
				g.Pack(mem, frame, frame.Bounds())
			}
		})
	}
}
