package framebuffer

import (
	"errors"
	"image"
	"image/color"
	"math"
	"strconv"
	"testing"
)

// half is half the bits of an int.
const half = strconv.IntSize / 2

// Geometries a hostile or buggy driver (or a 32-bit conversion of the
// kernel's unsigned fields) can report: Validate must refuse every one
// whose arithmetic overflows, so that Write never indexes out of memory.
func TestGeometryOverflow(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    Geometry
	}{
		// A channel offset so large that offset+length wraps around uint32.
		{"channel offset wraps", Geometry{Width: 4, Height: 4, Format: Format{BitsPerPixel: 32,
			Red: Bitfield{Offset: math.MaxUint32 - 7, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Length: 8}}}},
		{"alpha offset wraps", Geometry{Width: 4, Height: 4, Format: Format{BitsPerPixel: 32,
			Red: Bitfield{Offset: 16, Length: 8}, Green: Bitfield{Offset: 8, Length: 8}, Blue: Bitfield{Length: 8},
			Transp: Bitfield{Offset: math.MaxUint32 - 7, Length: 8}}}},
		// (yoffset+height-1)*line_length wraps to a small number.
		// (2^(n/2-1)) rows × 2^(n/2+1) bytes = 2^n: zero in an n-bit int.
		{"line length times rows wraps", Geometry{Width: 2, Height: 2, YOffset: 1<<(half-1) - 1, VirtualHeight: 1<<(half-1) + 1,
			Stride: 1 << (half + 1), MemLen: 64, Format: XRGB8888}},
		{"offset plus width wraps", Geometry{Width: 2, Height: 2, XOffset: math.MaxInt - 1, VirtualWidth: 1,
			Stride: 64, MemLen: 4096, Format: XRGB8888}},
		{"negative line length", Geometry{Width: 2, Height: 2, Stride: -8, MemLen: 4096, Format: XRGB8888}},
		{"negative virtual size", Geometry{Width: 2, Height: 2, VirtualWidth: math.MinInt / 2, Stride: 64, MemLen: 4096, Format: XRGB8888}},
		{"huge virtual width", Geometry{Width: 2, Height: 2, VirtualWidth: math.MaxInt / 2, MemLen: 4096, Format: XRGB8888}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.g.Validate()
			if err == nil || !errors.Is(err, ErrGeometry) {
				t.Errorf("Validate() = %v, want ErrGeometry", err)
			}
			mem := make([]byte, 4096)
			d, err := NewMemory(tc.g, mem)
			if err == nil {
				// It was accepted: writing must at least not panic.
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("NewMemory accepted %+v and Write panicked: %v", tc.g, r)
					}
				}()
				d.Write(testFrame(2, 2), []image.Rectangle{image.Rect(0, 0, 2, 2)})
				t.Errorf("NewMemory accepted %+v", tc.g)
			}
		})
	}
}

// memWriter is an io.WriterAt over a byte slice that refuses writes
// outside it, as a device file does at its end.
type memWriter []byte

func (m memWriter) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m)) {
		return 0, errors.New("write outside the device")
	}
	return copy(m[off:], p), nil
}

// FuzzPack writes random frames through random geometries and formats,
// by mmap and by pwrite, and checks that nothing panics, that both ways
// write the same bytes, that every visible pixel written holds
// Format.Pixel of the frame's colour, and that no byte outside the
// written pixels changed (padding, the virtual area, other lines).
func FuzzPack(f *testing.F) {
	f.Add(uint16(10), uint16(6), uint16(2), uint16(1), uint16(16), uint16(8), uint16(68), uint32(0), uint8(32), uint64(0x0810_0008_0000), uint8(0), int16(1), int16(1), int16(4), int16(3), uint8(10), uint8(6))
	f.Add(uint16(7), uint16(3), uint16(0), uint16(0), uint16(0), uint16(0), uint16(23), uint32(70), uint8(24), uint64(0x0810_0808_0800), uint8(1), int16(-5), int16(-5), int16(50), int16(50), uint8(20), uint8(20))
	f.Add(uint16(5), uint16(5), uint16(3), uint16(2), uint16(9), uint16(9), uint16(0), uint32(0), uint8(16), uint64(0x050b_0605_0500), uint8(2), int16(0), int16(0), int16(5), int16(5), uint8(3), uint8(9))
	f.Fuzz(func(t *testing.T, w, h, xo, yo, vw, vh, stride uint16, memLen uint32, bits uint8, fields uint64, kind uint8, x0, y0, x1, y1 int16, fw, fh uint8) {
		// Channel layout: 8 bits per channel, "length, offset" pairs.
		ch := func(i uint) Bitfield {
			return Bitfield{Length: uint32(fields>>(i*16+8)) & 0x1f, Offset: uint32(fields>>(i*16)) & 0x3f}
		}
		fm := Format{BitsPerPixel: []int{16, 24, 32, int(bits)}[bits%4], Red: ch(2), Green: ch(1), Blue: ch(0), Transp: ch(3)}
		g := Geometry{Width: int(w % 64), Height: int(h % 64), XOffset: int(xo % 64), YOffset: int(yo % 64),
			VirtualWidth: int(vw % 128), VirtualHeight: int(vh % 128), Stride: int(stride % 1024), MemLen: int(memLen % (1 << 16)), Format: fm}
		if g.Validate() != nil {
			return
		}
		// Overlapping channels are a driver's nonsense: Pixel ORs them,
		// the byte-copying fast path cannot; the oracle below needs them apart.
		var used uint64
		for _, b := range []Bitfield{fm.Red, fm.Green, fm.Blue, fm.Transp} {
			m := (uint64(1)<<b.Length - 1) << b.Offset
			if used&m != 0 {
				return
			}
			used |= m
		}
		n := g.normalized()
		// Sometimes less memory than the geometry says: NewMemory refuses
		// what no longer fits.
		size := max(n.MemLen-int(kind/3%5)*7, 0)
		mem := make([]byte, size)
		for i := range mem {
			mem[i] = 0xa5
		}
		dm, err := NewMemory(g, mem)
		if err != nil {
			return // less memory than the geometry needs: refused, fine
		}
		file := memWriter(append([]byte(nil), mem...))
		df, err := New(dm.Geometry(), file)
		if err != nil {
			t.Fatalf("NewMemory accepted %+v, New refused it: %v", g, err)
		}
		// The frame, of any size (smaller or larger than the screen).
		fr := image.Rect(0, 0, int(fw%80), int(fh%80))
		rgba := image.NewRGBA(fr)
		for i := range rgba.Pix {
			rgba.Pix[i] = uint8(i*37 + int(kind))
		}
		var frame image.Image = rgba
		switch kind % 3 {
		case 1:
			gray := image.NewGray(fr)
			for i := range gray.Pix {
				gray.Pix[i] = uint8(i * 11)
			}
			frame = gray
		case 2:
			frame = (*image.NRGBA)(rgba) // the generic path; alpha is ignored
		}
		dirty := []image.Rectangle{image.Rect(int(x0), int(y0), int(x1), int(y1)), image.Rect(int(y0), int(x0), int(y1), int(x1))}
		pm, err := dm.Write(frame, dirty)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := df.Write(frame, dirty)
		if err != nil {
			t.Fatalf("pwrite: %v", err)
		}
		if pm != pf || string(mem) != string(file) {
			t.Fatalf("mmap wrote %d pixels, pwrite %d; bytes equal: %v", pm, pf, string(mem) == string(file))
		}
		// The oracle: what each byte must hold.
		bpp := fm.BytesPerPixel()
		want := make([]byte, len(mem))
		for i := range want {
			want[i] = 0xa5
		}
		written := 0
		for y := 0; y < g.Height; y++ {
			for x := 0; x < g.Width; x++ {
				p := image.Pt(x, y)
				if !p.In(fr) || !(p.In(dirty[0]) || p.In(dirty[1])) {
					continue
				}
				written++
				c := color.RGBAModel.Convert(frame.At(x, y)).(color.RGBA)
				v := fm.Pixel(c.R, c.G, c.B)
				off := (y+n.YOffset)*n.Stride + (x+n.XOffset)*bpp
				for i := range bpp {
					want[off+i] = byte(v >> (8 * i))
				}
			}
		}
		if string(mem) != string(want) {
			for i := range mem {
				if mem[i] != want[i] {
					t.Fatalf("%v %v: byte %d (line %d, byte %d) = %#x, want %#x", g, fm, i, i/n.Stride, i%n.Stride, mem[i], want[i])
				}
			}
		}
		if pm < written {
			t.Errorf("Write reported %d pixels, %d were written", pm, written)
		}
	})
}

// An empty mapping is no memory at all, not "the default size" (MemLen
// 0 means the default only in a Geometry).
func TestNewMemoryEmpty(t *testing.T) {
	g := Geometry{Width: 1, Height: 1, VirtualWidth: 55, Stride: 97, MemLen: 97, Format: XRGB8888}
	for _, mem := range [][]byte{nil, {}, make([]byte, 3)} {
		if d, err := NewMemory(g, mem); err == nil {
			t.Errorf("NewMemory accepted %d bytes for %v (memory length %d)", len(mem), g, d.Geometry().MemLen)
		}
	}
	if _, err := NewMemory(g, make([]byte, 4)); err != nil {
		t.Errorf("4 bytes are enough for one pixel: %v", err)
	}
}
