package render

import (
	"image"
	"image/color"
	"unicode/utf8"
)

// kind is what an item draws.
type kind uint8

const (
	kFill   kind = iota // r in c1
	kFrame              // rounded r: border bw in c2, inside c1
	kDisc               // circle in r: border bw in c2, inside c1
	kText               // s in face f at baseline (x, y), c1, clipped to r
	kBar                // progress bar in r: track c2, the first n pixels c1
	kBarInk             // e-ink progress bar: border bw in c1, inside c2, the first n pixels c1
)

// item is one entry of the display list a layout produces. Items are
// comparable values: two frames' lists are compared item by item and
// only the areas of items that differ are redrawn (see Screen.Draw).
type item struct {
	k      kind
	r      image.Rectangle // what the item may touch
	c1, c2 color.RGBA
	rad    int // corner radius
	bw     int // border width
	n      int // bar fill in pixels
	x, y   int // text baseline origin
	sp     int // extra pixels between letters (labels)
	f      *face
	s      string
}

// draw paints it, touching only pixels inside clip.
func (it *item) draw(c *canvas, clip image.Rectangle) {
	clip = clip.Intersect(it.r)
	if clip.Empty() {
		return
	}
	switch it.k {
	case kFill:
		c.fill(it.r, clip, it.c1)
	case kFrame:
		c.frame(it.r, clip, it.rad, it.bw, it.c2, it.c1)
	case kDisc:
		if it.bw > 0 {
			c.disc(it.r, clip, it.c2)
			c.disc(it.r.Inset(it.bw), clip, it.c1)
		} else {
			c.disc(it.r, clip, it.c1)
		}
	case kText:
		c.text(it.f, it.s, it.x, it.y, it.sp, clip, it.c1)
	case kBar:
		c.roundRect(it.r, clip, it.rad, it.c2)
		if it.n > 0 {
			f := it.r
			f.Max.X = f.Min.X + it.n
			c.roundRect(f, clip, min(it.rad, it.n/2), it.c1)
		}
	case kBarInk:
		c.fill(it.r, clip, it.c1)
		in := it.r.Inset(it.bw)
		c.fill(in, clip, it.c2)
		if it.n > 0 {
			f := in
			f.Max.X = min(f.Min.X+it.n, f.Max.X)
			c.fill(f, clip, it.c1)
		}
	}
}

// spacedWidth is the width of s drawn with sp extra pixels between letters.
func spacedWidth(f *face, s string, sp int) int {
	if sp == 0 {
		return f.width(s)
	}
	return f.width(s) + sp*max(utf8.RuneCountInString(s)-1, 0)
}
