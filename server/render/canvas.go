package render

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/math/fixed"
)

// canvas draws into the layout-oriented image: *image.RGBA in colour,
// *image.Gray otherwise. Every primitive takes a clip rectangle and
// touches only pixels inside it, and a pixel's value depends only on the
// primitives covering it, in order: that is what lets the Screen redraw a
// region and get exactly the pixels of a full redraw.
//
// In mono mode every write is already black or white: coverage (anti-
// aliasing) is thresholded, so text stays crisp, and grey colours (a
// calendar's colour) are drawn with a 4×4 ordered dither anchored to the
// image, so a redrawn region matches its surroundings (error diffusion
// would depend on the neighbours and could not be redrawn in parts).
type canvas struct {
	mode Mode
	rgba *image.RGBA
	gray *image.Gray
	b    image.Rectangle
}

func newCanvas(mode Mode, w, h int) *canvas {
	c := &canvas{mode: mode, b: image.Rect(0, 0, w, h)}
	if mode == ModeColor {
		c.rgba = image.NewRGBA(c.b)
	} else {
		c.gray = image.NewGray(c.b)
	}
	return c
}

func (c *canvas) image() image.Image {
	if c.rgba != nil {
		return c.rgba
	}
	return c.gray
}

// bayer4 holds thresholds (0..255) for the ordered dither.
var bayer4 = [4][4]uint8{
	{8, 136, 40, 168},
	{200, 72, 232, 104},
	{56, 184, 24, 152},
	{248, 120, 216, 88},
}

func luma(c color.RGBA) uint8 {
	return uint8((299*int(c.R) + 587*int(c.G) + 114*int(c.B) + 500) / 1000)
}

// monoAt is grey level l at (x, y) in mono: black, white or the dither.
func monoAt(l uint8, x, y int) uint8 {
	if l > bayer4[y&3][x&3] {
		return 255
	}
	return 0
}

// fill paints r ∩ clip with c, opaque.
func (c *canvas) fill(r, clip image.Rectangle, col color.RGBA) {
	r = r.Intersect(clip).Intersect(c.b)
	if r.Empty() {
		return
	}
	if c.rgba != nil {
		p := c.rgba
		i0 := p.PixOffset(r.Min.X, r.Min.Y)
		row := p.Pix[i0 : i0+4*r.Dx()]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = col.R, col.G, col.B, 255
		}
		for y := r.Min.Y + 1; y < r.Max.Y; y++ {
			o := p.PixOffset(r.Min.X, y)
			copy(p.Pix[o:o+len(row)], row)
		}
		return
	}
	l := luma(col)
	g := c.gray
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := g.PixOffset(r.Min.X, y)
		row := g.Pix[o : o+r.Dx()]
		if c.mode != ModeMono || l == 0 || l == 255 {
			for i := range row {
				row[i] = l
			}
			continue
		}
		for i := range row {
			row[i] = monoAt(l, r.Min.X+i, y)
		}
	}
}

// blend paints col at (x, y) with coverage a (0..255).
func (c *canvas) blend(x, y int, col color.RGBA, a uint8) {
	if a == 0 {
		return
	}
	if c.rgba != nil {
		i := c.rgba.PixOffset(x, y)
		p := c.rgba.Pix[i : i+4 : i+4]
		if a == 255 {
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, 255
			return
		}
		ia := 255 - uint32(a)
		p[0] = uint8((uint32(p[0])*ia + uint32(col.R)*uint32(a) + 127) / 255)
		p[1] = uint8((uint32(p[1])*ia + uint32(col.G)*uint32(a) + 127) / 255)
		p[2] = uint8((uint32(p[2])*ia + uint32(col.B)*uint32(a) + 127) / 255)
		return
	}
	i := c.gray.PixOffset(x, y)
	l := luma(col)
	if c.mode == ModeMono {
		if a >= 128 {
			if l != 0 && l != 255 {
				l = monoAt(l, x, y)
			}
			c.gray.Pix[i] = l
		}
		return
	}
	if a == 255 {
		c.gray.Pix[i] = l
		return
	}
	d := uint32(c.gray.Pix[i])
	c.gray.Pix[i] = uint8((d*(255-uint32(a)) + uint32(l)*uint32(a) + 127) / 255)
}

// mask paints col through an alpha mask (stride w) whose top-left corner
// is at p.
func (c *canvas) mask(pix []byte, w, h int, p image.Point, clip image.Rectangle, col color.RGBA) {
	r := image.Rect(p.X, p.Y, p.X+w, p.Y+h).Intersect(clip).Intersect(c.b)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[(y-p.Y)*w:]
		for x := r.Min.X; x < r.Max.X; x++ {
			if a := row[x-p.X]; a != 0 {
				c.blend(x, y, col, a)
			}
		}
	}
}

// roundRect paints a rectangle with anti-aliased corners of radius rad.
func (c *canvas) roundRect(r, clip image.Rectangle, rad int, col color.RGBA) {
	rad = min(rad, r.Dx()/2, r.Dy()/2)
	if rad <= 0 {
		c.fill(r, clip, col)
		return
	}
	// The straight parts.
	c.fill(image.Rect(r.Min.X, r.Min.Y+rad, r.Max.X, r.Max.Y-rad), clip, col)
	c.fill(image.Rect(r.Min.X+rad, r.Min.Y, r.Max.X-rad, r.Min.Y+rad), clip, col)
	c.fill(image.Rect(r.Min.X+rad, r.Max.Y-rad, r.Max.X-rad, r.Max.Y), clip, col)
	// The corners, by distance from each corner's centre.
	fr := float64(rad)
	for _, q := range [4]struct{ x0, y0, cx, cy int }{
		{r.Min.X, r.Min.Y, r.Min.X + rad, r.Min.Y + rad},
		{r.Max.X - rad, r.Min.Y, r.Max.X - rad, r.Min.Y + rad},
		{r.Min.X, r.Max.Y - rad, r.Min.X + rad, r.Max.Y - rad},
		{r.Max.X - rad, r.Max.Y - rad, r.Max.X - rad, r.Max.Y - rad},
	} {
		cr := image.Rect(q.x0, q.y0, q.x0+rad, q.y0+rad).Intersect(clip).Intersect(c.b)
		for y := cr.Min.Y; y < cr.Max.Y; y++ {
			for x := cr.Min.X; x < cr.Max.X; x++ {
				dx, dy := float64(x)+0.5-float64(q.cx), float64(y)+0.5-float64(q.cy)
				cov := fr - math.Sqrt(dx*dx+dy*dy) + 0.5
				if cov <= 0 {
					continue
				}
				c.blend(x, y, col, uint8(math.Min(cov, 1)*255+0.5))
			}
		}
	}
}

// frame paints a rounded rectangle of colour fill inside a border of
// width bw and colour border.
func (c *canvas) frame(r, clip image.Rectangle, rad, bw int, border, fill color.RGBA) {
	if bw > 0 {
		c.roundRect(r, clip, rad, border)
		r = r.Inset(bw)
		rad = max(rad-bw, 0)
	}
	c.roundRect(r, clip, rad, fill)
}

// disc paints a filled circle inscribed in r.
func (c *canvas) disc(r, clip image.Rectangle, col color.RGBA) {
	c.roundRect(r, clip, min(r.Dx(), r.Dy())/2, col)
}

// text draws s (clean) with its baseline origin at (x, y).
// sp adds that many pixels between letters (the labels' tracking).
func (c *canvas) text(f *face, s string, x, y, sp int, clip image.Rectangle, col color.RGBA) {
	var pen fixed.Int26_6
	i := 0
	for _, r := range s {
		g := f.glyph(r)
		px := x + pen.Round() + i*sp
		pen += g.adv
		i++
		if g.missing {
			c.tofu(f, px, y, g, clip, col)
			continue
		}
		if g.pix != nil {
			c.mask(g.pix, g.w, g.h, image.Point{px + g.off.X, y + g.off.Y}, clip, col)
		}
	}
}

// tofu draws the box that stands for a character the fonts lack (CJK,
// emoji): visibly something, of a glyph's size.
func (c *canvas) tofu(f *face, x, y int, g *glyph, clip image.Rectangle, col color.RGBA) {
	w := g.adv.Round()
	sw := max(f.px/14, 1)
	b := image.Rect(x+max(w/10, 1), y-f.ascent*3/4, x+w-max(w/10, 1), y)
	if b.Dx() < 2*sw+1 || b.Dy() < 2*sw+1 {
		c.fill(b, clip, col)
		return
	}
	c.fill(image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+sw), clip, col)
	c.fill(image.Rect(b.Min.X, b.Max.Y-sw, b.Max.X, b.Max.Y), clip, col)
	c.fill(image.Rect(b.Min.X, b.Min.Y, b.Min.X+sw, b.Max.Y), clip, col)
	c.fill(image.Rect(b.Max.X-sw, b.Min.Y, b.Max.X, b.Max.Y), clip, col)
}
