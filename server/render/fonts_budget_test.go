package render

import (
	"testing"
)

// Rasterised glyphs are bounded in bytes whatever sizes and characters
// are asked for: a client cycling through /display.png sizes with a feed
// full of distinct characters costs renders, not memory.
func TestGlyphCacheBoundedInBytes(t *testing.T) {
	var runes []rune
	for _, r := range "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		runes = append(runes, r)
	}
	for r := rune(0x410); r < 0x450; r++ { // Cyrillic
		runes = append(runes, r)
	}
	peak := int64(0)
	for px := minFontPx; px <= maxFontPx; px += 11 {
		for _, w := range []weight{regular, bold} {
			f := getFace(w, px)
			for _, r := range runes {
				if g := f.glyph(r); g.adv <= 0 {
					t.Fatalf("glyph %q at %d px: no advance", r, px)
				}
			}
			peak = max(peak, glyphBytes.Load())
		}
	}
	if peak > maxGlyphBytes {
		t.Errorf("cached glyphs peaked at %d KB, budget %d KB", peak>>10, maxGlyphBytes>>10)
	}
	if peak < maxGlyphBytes/2 {
		t.Errorf("cached glyphs peaked at %d KB: the test no longer reaches the budget (%d KB)", peak>>10, maxGlyphBytes>>10)
	}
	// The accounting matches what the faces hold.
	faces.Lock()
	sum := int64(0)
	for _, f := range faces.m {
		f.mu.RLock()
		sum += f.bytes
		f.mu.RUnlock()
	}
	faces.Unlock()
	if got := glyphBytes.Load(); got != sum {
		t.Errorf("glyphBytes %d, the faces hold %d", got, sum)
	}
	// Going over the budget starts every face over at the next lookup,
	// also of a face that already exists.
	f := getFace(regular, 20)
	f.glyph('x')
	faces.overBudget.Store(true)
	if g := getFace(regular, 20); g == f || glyphBytes.Load() != 0 {
		t.Errorf("over budget, the next lookup kept the faces (%d bytes cached)", glyphBytes.Load())
	}
	// Drawing still works after the resets.
	s, err := NewScreen(Options{Width: 480, Height: 800})
	if err != nil {
		t.Fatal(err)
	}
	if fr := s.Draw(View{}); fr.Image == nil {
		t.Fatal("no frame")
	}
}
