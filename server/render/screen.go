package render

import (
	"bufio"
	"image"
	"image/color"
	"image/png"
	"io"
)

// Screen draws successive frames for one output and redraws only what
// changed: the countdowns every second, the rest when the view or the
// minute changes. A Screen is not safe for concurrent use.
//
// Each Draw lays the view out as a display list (cheap: no pixels), compares
// it with the previous frame's list item by item, and repaints only the
// areas of the items that differ, drawing every item that overlaps them in
// order, clipped to them. So a partial redraw is, by construction, the
// same pixels as a full one.
type Screen struct {
	opt    Options
	lw, lh int     // layout size: Width×Height turned by Rotate
	cv     *canvas // the layout-oriented drawing
	out    image.Image
	outR   *image.RGBA // out when rotated, colour
	outG   *image.Gray // out when rotated, grey and mono
	prev   []item
	cur    []item
	boot   bool // prev is a boot screen
	drawn  bool
	dirty  []image.Rectangle
}

// NewScreen returns a Screen for o.
func NewScreen(o Options) (*Screen, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	s := &Screen{opt: o, lw: o.Width, lh: o.Height}
	if o.Rotate == 90 || o.Rotate == 270 {
		s.lw, s.lh = o.Height, o.Width
	}
	s.cv = newCanvas(o.Mode, s.lw, s.lh)
	switch {
	case o.Rotate == 0:
		s.out = s.cv.image()
	case o.Mode == ModeColor:
		s.outR = image.NewRGBA(image.Rect(0, 0, o.Width, o.Height))
		s.out = s.outR
	default:
		s.outG = image.NewGray(image.Rect(0, 0, o.Width, o.Height))
		s.out = s.outG
	}
	return s, nil
}

// Options returns the screen's options.
func (s *Screen) Options() Options { return s.opt }

// Draw renders v. The frame's image belongs to the Screen and is
// overwritten by the next Draw.
func (s *Screen) Draw(v View) Frame {
	s.cur = viewLayout(s.cur, v, s.lw, s.lh, s.opt.Mode)
	return s.paint(false)
}

// DrawBoot renders the boot screen b.
func (s *Screen) DrawBoot(b Boot) Frame {
	s.cur = bootLayout(s.cur, b, s.lw, s.lh, s.opt.Mode)
	return s.paint(true)
}

// invalidate makes the next Draw repaint everything.
func (s *Screen) invalidate() { s.drawn = false }

// paint repaints what differs between s.prev and s.cur, then swaps them.
func (s *Screen) paint(boot bool) Frame {
	full := image.Rect(0, 0, s.lw, s.lh)
	s.dirty = s.dirty[:0]
	if !s.drawn || boot != s.boot {
		s.dirty = append(s.dirty, full)
	} else {
		s.diff(full)
	}
	for _, d := range s.dirty {
		for i := range s.cur {
			if it := &s.cur[i]; it.r.Overlaps(d) {
				it.draw(s.cv, d)
			}
		}
	}
	s.drawn, s.boot = true, boot
	s.prev, s.cur = s.cur, s.prev
	// Drop the strings the old list holds; the slice is reused.
	clear(s.cur)

	var dirty []image.Rectangle
	if len(s.dirty) > 0 {
		dirty = make([]image.Rectangle, len(s.dirty))
		for i, d := range s.dirty {
			dirty[i] = s.toOutput(d)
			s.copyOut(d)
		}
	}
	return Frame{Image: s.out, Dirty: dirty}
}

// diff collects the areas of items that changed, merged; many or large
// changes become one full repaint (a new view, a new minute).
func (s *Screen) diff(full image.Rectangle) {
	n := max(len(s.prev), len(s.cur))
	for i := range n {
		var a, b *item
		if i < len(s.prev) {
			a = &s.prev[i]
		}
		if i < len(s.cur) {
			b = &s.cur[i]
		}
		if a != nil && b != nil && *a == *b {
			continue
		}
		if a != nil {
			s.addDirty(a.r)
		}
		if b != nil {
			s.addDirty(b.r)
		}
		if len(s.dirty) > 12 {
			break
		}
	}
	area := 0
	for _, d := range s.dirty {
		area += d.Dx() * d.Dy()
	}
	if len(s.dirty) > 12 || area*2 > full.Dx()*full.Dy() {
		s.dirty = append(s.dirty[:0], full)
	}
}

// addDirty adds r, merging it with any rectangle it overlaps.
func (s *Screen) addDirty(r image.Rectangle) {
	if r.Empty() {
		return
	}
	for {
		merged := false
		for i, d := range s.dirty {
			if d.Overlaps(r) {
				r = r.Union(d)
				s.dirty = append(s.dirty[:i], s.dirty[i+1:]...)
				merged = true
				break
			}
		}
		if !merged {
			break
		}
	}
	s.dirty = append(s.dirty, r)
}

// toOutput maps a layout rectangle to the output's orientation (clockwise
// rotation: the layout's top-left corner goes to the output's top-right
// at 90 degrees).
func (s *Screen) toOutput(r image.Rectangle) image.Rectangle {
	switch s.opt.Rotate {
	case 90:
		return image.Rect(s.lh-r.Max.Y, r.Min.X, s.lh-r.Min.Y, r.Max.X)
	case 180:
		return image.Rect(s.lw-r.Max.X, s.lh-r.Max.Y, s.lw-r.Min.X, s.lh-r.Min.Y)
	case 270:
		return image.Rect(r.Min.Y, s.lw-r.Max.X, r.Max.Y, s.lw-r.Min.X)
	}
	return r
}

// copyOut turns the layout rectangle r into the output image.
func (s *Screen) copyOut(r image.Rectangle) {
	if s.opt.Rotate == 0 {
		return
	}
	// dst = o + x*dx + y*dy for layout pixel (x, y).
	var o, dx, dy, bpp int
	var src, dst []byte
	var sstride int
	if s.outR != nil {
		bpp, src, dst, sstride = 4, s.cv.rgba.Pix, s.outR.Pix, s.cv.rgba.Stride
	} else {
		bpp, src, dst, sstride = 1, s.cv.gray.Pix, s.outG.Pix, s.cv.gray.Stride
	}
	ostride := s.opt.Width * bpp
	switch s.opt.Rotate {
	case 90: // (x, y) -> (lh-1-y, x)
		o, dx, dy = (s.lh-1)*bpp, ostride, -bpp
	case 180: // (x, y) -> (lw-1-x, lh-1-y)
		o, dx, dy = (s.lh-1)*ostride+(s.lw-1)*bpp, -bpp, -ostride
	case 270: // (x, y) -> (y, lw-1-x)
		o, dx, dy = (s.lw-1)*ostride, -ostride, bpp
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		si := y*sstride + r.Min.X*bpp
		di := o + r.Min.X*dx + y*dy
		for x := r.Min.X; x < r.Max.X; x++ {
			copy(dst[di:di+bpp], src[si:si+bpp])
			si += bpp
			di += dx
		}
	}
}

// Render draws v once into a new image.
func Render(v View, o Options) (image.Image, error) {
	s, err := NewScreen(o)
	if err != nil {
		return nil, err
	}
	return s.Draw(v).Image, nil
}

// RenderBoot draws the boot screen b once into a new image.
func RenderBoot(b Boot, o Options) (image.Image, error) {
	s, err := NewScreen(o)
	if err != nil {
		return nil, err
	}
	return s.DrawBoot(b).Image, nil
}

// monoPalette is black and white, for 1-bit PNGs.
var monoPalette = color.Palette{color.Gray{0}, color.Gray{255}}

// EncodePNG writes img as the smallest sensible PNG for its mode: 1-bit
// for mono frames, 8-bit grey for grey ones, RGB for colour.
//
// A grey image whose pixels are all 0 or 255 is a mono frame and is
// written with a two-colour palette (1 bit per pixel: an 800×480 frame is
// a few KB to a few tens of KB, well under e-ink clients' limits). An
// RGBA image is opaque (the renderer never leaves alpha), which the
// encoder detects and writes as RGB without alpha. Maximum compression:
// frames are small and encoded rarely.
func EncodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	bw := bufio.NewWriterSize(w, 32<<10)
	if g, ok := img.(*image.Gray); ok && isMono(g) {
		b := g.Bounds()
		p := image.NewPaletted(b, monoPalette)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			src := g.Pix[g.PixOffset(b.Min.X, y):][:b.Dx()]
			dst := p.Pix[p.PixOffset(b.Min.X, y):][:b.Dx()]
			for i, v := range src {
				dst[i] = v >> 7
			}
		}
		img = p
	}
	if err := enc.Encode(bw, img); err != nil {
		return err
	}
	return bw.Flush()
}

func isMono(g *image.Gray) bool {
	b := g.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for _, v := range g.Pix[g.PixOffset(b.Min.X, y):][:b.Dx()] {
			if v != 0 && v != 255 {
				return false
			}
		}
	}
	return true
}
