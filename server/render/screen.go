package render

import (
	"image"
	"image/png"
	"io"
)

// Screen draws successive frames for one output and redraws only what
// changed: the countdowns every second, the rest when the view or the
// minute changes. A Screen is not safe for concurrent use.
type Screen struct {
	opt Options
	img image.Image
}

// NewScreen returns a Screen for o.
func NewScreen(o Options) (*Screen, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Screen{opt: o}, nil
}

// Options returns the screen's options.
func (s *Screen) Options() Options { return s.opt }

// Draw renders v. The frame's image belongs to the Screen and is
// overwritten by the next Draw.
func (s *Screen) Draw(v View) Frame {
	// STUB: replaced by the real renderer.
	if s.img == nil {
		s.img = image.NewRGBA(image.Rect(0, 0, s.opt.Width, s.opt.Height))
	}
	return Frame{Image: s.img, Dirty: []image.Rectangle{s.img.Bounds()}}
}

// DrawBoot renders the boot screen b.
func (s *Screen) DrawBoot(b Boot) Frame {
	return s.Draw(View{})
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

// EncodePNG writes img as the smallest sensible PNG for its mode: 1-bit
// for mono frames, 8-bit grey for grey ones, RGB for colour.
func EncodePNG(w io.Writer, img image.Image) error {
	return png.Encode(w, img)
}
