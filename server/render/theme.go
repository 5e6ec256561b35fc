package render

import "image/color"

// theme holds a palette. Colour mode uses the kiosk page's dark theme;
// grey and mono use its e-ink variant (black on white, solid fills,
// almost no grey, so a 1-bit panel shows it without dither noise).
type theme struct {
	eink bool

	bg, panel, fg, dim, line     color.RGBA
	accent, urgent, critical     color.RGBA
	bannerBg, bannerFg, bannerBd color.RGBA
	free, barFrom, calDefault    color.RGBA
	ok, fail                     color.RGBA
}

func rgb(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

var (
	darkTheme = theme{
		bg: rgb(0x000000), panel: rgb(0x0d1217), fg: rgb(0xffffff), dim: rgb(0xc2cad4), line: rgb(0x2e3945),
		accent: rgb(0x4cc2ff), urgent: rgb(0xffb300), critical: rgb(0xff5a52),
		bannerBg: rgb(0xffb300), bannerFg: rgb(0x000000), bannerBd: rgb(0xffb300),
		free: rgb(0x6ee7a8), barFrom: rgb(0x2f9be0), calDefault: rgb(0x8a94a6),
		ok: rgb(0x6ee7a8), fail: rgb(0xff5a52),
	}
	black, white = rgb(0x000000), rgb(0xffffff)
	einkTheme    = theme{
		eink: true,
		bg:   white, panel: white, fg: black, dim: black, line: black,
		accent: black, urgent: black, critical: black,
		bannerBg: white, bannerFg: black, bannerBd: black,
		free: black, barFrom: black, calDefault: rgb(0x808080),
		ok: black, fail: black,
	}
)

// inverted is the e-ink theme for the critical NEXT zone: white on black,
// as the page's .eink .next.critical.
func (t theme) inverted() theme {
	t.bg, t.panel, t.fg, t.dim, t.line = black, black, white, white, white
	t.accent, t.urgent, t.critical = white, white, white
	return t
}

// parseColor accepts exactly #RRGGBB, like the page.
func parseColor(s string) (color.RGBA, bool) {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, false
	}
	var v uint32
	for i := 1; i < 7; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint32(c-'A'+10)
		default:
			return color.RGBA{}, false
		}
	}
	return rgb(v), true
}
