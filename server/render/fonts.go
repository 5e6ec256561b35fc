package render

import (
	"image"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// weight selects one of the embedded Go fonts.
type weight uint8

const (
	regular weight = iota
	medium
	bold
	numWeights
)

// The Go fonts are parsed once, on first use: a program that never draws
// (most servers) pays nothing.
var (
	fontsOnce sync.Once
	fonts     [numWeights]*sfnt.Font
	fontsErr  error
)

func loadFonts() {
	fontsOnce.Do(func() {
		for w, ttf := range [numWeights][]byte{goregular.TTF, gomedium.TTF, gobold.TTF} {
			fonts[w], fontsErr = opentype.Parse(ttf)
			if fontsErr != nil {
				return
			}
		}
	})
}

// Limits that keep hostile sizes and strings cheap.
const (
	minFontPx = 5
	maxFontPx = 480
	maxFaces  = 96   // distinct (weight, size) pairs kept
	maxGlyphs = 2048 // cached runes per face, missing ones included
	// maxGlyphBytes bounds the rasterised glyphs of all faces together: a
	// /display.png client asking for ever new sizes, or a feed full of
	// distinct characters, costs renders, not memory. Every test view on
	// a 480×800 screen needs 145 KB, on a 4096×1024 one 402 KB.
	maxGlyphBytes = 4 << 20
	glyphOverhead = 96  // bytes a cached glyph costs besides its pixels
	maxTextRune   = 600 // runes of one string considered for layout: more never fits
)

// face is one font at one pixel size with its rasterised glyphs. Glyphs
// are rasterised once at the origin and reused at whole-pixel positions,
// because opentype rasterises per call and that costs ~20 µs a glyph.
// Faces are shared by all Screens, so access goes through mu.
type face struct {
	w                     weight
	px                    int
	ascent, descent, line int // pixels; line = ascent + descent

	mu      sync.RWMutex
	glyphs  map[rune]*glyph
	bytes   int64     // counted in glyphBytes (under mu)
	dropped bool      // no longer in faces: caches nothing (under mu)
	of      font.Face // the rasteriser; not safe for concurrent use (under mu)
	buf     sfnt.Buffer
}

// glyph is a cached glyph mask: pix (stride w) placed at pen+off.
type glyph struct {
	off     image.Point
	w, h    int
	pix     []byte
	adv     fixed.Int26_6
	missing bool // no glyph in the font: drawn as a box (tofu)
}

type faceKey struct {
	w  weight
	px int
}

var faces struct {
	sync.Mutex
	m map[faceKey]*face
	// overBudget asks the next getFace to drop every face: the glyphs
	// went over maxGlyphBytes.
	overBudget atomic.Bool
}

// glyphBytes is what the cached glyphs of the faces in faces.m cost.
var glyphBytes atomic.Int64

// getFace returns the shared face for a weight and pixel size, clamped to
// a sane range. The set is bounded: a stream of odd sizes (fuzzing, many
// displays) resets it rather than growing without limit.
func getFace(w weight, px int) *face {
	px = min(max(px, minFontPx), maxFontPx)
	loadFonts()
	k := faceKey{w, px}
	faces.Lock()
	defer faces.Unlock()
	if faces.overBudget.Swap(false) {
		dropFaces()
	}
	if f := faces.m[k]; f != nil {
		return f
	}
	if faces.m == nil || len(faces.m) >= maxFaces {
		dropFaces()
	}
	f := &face{w: w, px: px, glyphs: make(map[rune]*glyph, 128)}
	if fontsErr == nil {
		of, err := opentype.NewFace(fonts[w], &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingNone})
		if err == nil {
			f.of = of
			m := of.Metrics()
			f.ascent, f.descent = m.Ascent.Ceil(), m.Descent.Ceil()
		}
	}
	if f.of == nil { // cannot happen with the embedded fonts; draw tofu only
		f.ascent, f.descent = px*9/10, px/4
	}
	f.line = f.ascent + f.descent
	faces.m[k] = f
	return f
}

// dropFaces empties every face and starts a new set; the caller holds
// faces' lock. A render still holding a dropped face draws uncached.
func dropFaces() {
	for _, old := range faces.m {
		old.mu.Lock()
		old.forget()
		old.dropped = true
		old.mu.Unlock()
	}
	faces.m = make(map[faceKey]*face)
}

// glyph returns r's cached glyph, rasterising it on first use.
func (f *face) glyph(r rune) *glyph {
	f.mu.RLock()
	g := f.glyphs[r]
	f.mu.RUnlock()
	if g != nil {
		return g
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if g = f.glyphs[r]; g != nil {
		return g
	}
	g = f.rasterise(r)
	if f.dropped {
		return g
	}
	if len(f.glyphs) >= maxGlyphs {
		f.forget() // hostile text: start over rather than grow
	}
	size := int64(len(g.pix) + glyphOverhead)
	if glyphBytes.Add(size) > maxGlyphBytes {
		// Start this face over now and every face at the next getFace;
		// until then, cache nothing that does not fit.
		glyphBytes.Add(-size)
		f.forget()
		faces.overBudget.Store(true)
		if glyphBytes.Add(size) > maxGlyphBytes {
			glyphBytes.Add(-size)
			return g
		}
	}
	f.glyphs[r] = g
	f.bytes += size
	return g
}

// forget empties f's glyph cache and returns its bytes to the budget.
// The caller holds f.mu for writing.
func (f *face) forget() {
	glyphBytes.Add(-f.bytes)
	f.bytes = 0
	clear(f.glyphs)
}

func (f *face) tofu() *glyph {
	return &glyph{missing: true, adv: fixed.I(max(f.px*6/10, 3))}
}

func (f *face) rasterise(r rune) *glyph {
	if f.of == nil {
		return f.tofu()
	}
	if idx, err := fonts[f.w].GlyphIndex(&f.buf, r); err != nil || idx == 0 {
		return f.tofu()
	}
	dr, mask, mp, adv, ok := f.of.Glyph(fixed.Point26_6{}, r)
	if !ok {
		return f.tofu()
	}
	g := &glyph{off: dr.Min, w: dr.Dx(), h: dr.Dy(), adv: adv}
	if a, isAlpha := mask.(*image.Alpha); isAlpha && g.w > 0 && g.h > 0 {
		g.pix = make([]byte, g.w*g.h)
		for y := 0; y < g.h; y++ {
			o := a.PixOffset(mp.X, mp.Y+y)
			copy(g.pix[y*g.w:(y+1)*g.w], a.Pix[o:o+g.w])
		}
	} else if g.w > 0 && g.h > 0 {
		g.pix = make([]byte, g.w*g.h)
		for y := 0; y < g.h; y++ {
			for x := 0; x < g.w; x++ {
				_, _, _, al := mask.At(mp.X+x, mp.Y+y).RGBA()
				g.pix[y*g.w+x] = uint8(al >> 8)
			}
		}
	}
	return g
}

// width is the drawn width of s in whole pixels, as drawText places it.
func (f *face) width(s string) int {
	var x fixed.Int26_6
	for _, r := range s {
		x += f.glyph(r).adv
	}
	return x.Round()
}

// clean makes any string safe and cheap to lay out: at most maxTextRune
// runes, invalid bytes as U+FFFD (drawn as a box), control characters and
// line breaks as spaces, invisible format characters (bidi overrides,
// zero-width joiners, BOM) dropped, runs of white space collapsed.
func clean(s string) string {
	if len(s) > maxTextRune*4 {
		s = s[:maxTextRune*4] // cut early: 100k-character subjects stay cheap
	}
	ok := true
	prevSpace := true
	for i, r := range s {
		sp := r == ' '
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && !unicode.IsGraphic(r) && r != ' ') ||
			(sp && prevSpace) || i >= maxTextRune {
			ok = false
			break
		}
		prevSpace = sp
	}
	if ok && !strings.HasSuffix(s, " ") {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), maxTextRune*4))
	n := 0
	space := true // drops leading space
	for _, r := range s {
		if n >= maxTextRune {
			break
		}
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			if !space {
				b.WriteByte(' ')
				n++
				space = true
			}
			continue
		case unicode.Is(unicode.Cf, r) || (!unicode.IsGraphic(r) && r != utf8.RuneError):
			continue // invisible: bidi controls, ZWJ, unassigned
		}
		b.WriteRune(r)
		n++
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

const ellipsis = "…"

// fit returns s cut so that it fits maxW pixels, ending in "…" when cut.
func (f *face) fit(s string, maxW int) string {
	if f.width(s) <= maxW {
		return s
	}
	lim := fixed.I(maxW) - f.glyph('…').adv
	var x fixed.Int26_6
	cut := 0
	for i, r := range s {
		x += f.glyph(r).adv
		if x > lim {
			break
		}
		cut = i + utf8.RuneLen(r)
	}
	if cut == 0 && lim < 0 {
		return ""
	}
	return strings.TrimRight(s[:cut], " ") + ellipsis
}

// wrap breaks s into at most maxLines lines of at most maxW pixels,
// breaking at spaces where it can and anywhere when a word is too long
// (as the page's overflow-wrap: anywhere). When text is left over, the
// last line ends in "…". s must be clean.
func (f *face) wrap(s string, maxW, maxLines int) []string {
	if maxLines <= 0 || s == "" {
		return nil
	}
	var lines []string
	for s != "" {
		if len(lines) == maxLines-1 {
			lines = append(lines, f.fit(s, maxW))
			return lines
		}
		end, lastSpace := 0, -1
		var x fixed.Int26_6
		for i, r := range s {
			x += f.glyph(r).adv
			if x.Round() > maxW && i > 0 {
				break
			}
			if r == ' ' {
				lastSpace = i
			}
			end = i + utf8.RuneLen(r)
		}
		if end < len(s) && lastSpace > 0 {
			end = lastSpace
		}
		lines = append(lines, strings.TrimRight(s[:end], " "))
		s = strings.TrimLeft(s[end:], " ")
	}
	return lines
}
