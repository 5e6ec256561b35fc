package render

import (
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/calendarbot/calendarbot/server/present"
)

// sizes are the type scale at the reference size (the smaller side 480 px),
// after the kiosk page's CSS for a 480 px wide zone (cqi units).
type sizes struct {
	label, title, meta, big, unit, countdown float64
	later, banner, detail, status, clock     float64
	chip                                     float64
}

var (
	darkSizes = sizes{label: 18, title: 34, meta: 23, big: 60, unit: 26, countdown: 84,
		later: 23, banner: 21, detail: 17, status: 22, clock: 30, chip: 20}
	// E-ink: bigger text, as the page's .eink rules.
	einkSizes = sizes{label: 22, title: 38, meta: 26, big: 64, unit: 28, countdown: 92,
		later: 25, banner: 23, detail: 19, status: 24, clock: 32, chip: 22}
)

// lay builds a display list. Every item is clipped to box, the container
// being filled, so nothing ever leaves its panel or the image.
type lay struct {
	items []item
	t     theme
	z     sizes
	u     float64 // scale: smaller side / 480
	box   image.Rectangle
}

// s scales a length in reference pixels.
func (l *lay) s(v float64) int { return int(math.Round(v * l.u)) }

// s1 scales a length that must stay at least one pixel.
func (l *lay) s1(v float64) int { return max(l.s(v), 1) }

func (l *lay) face(w weight, size float64) *face { return getFace(w, int(math.Round(size*l.u))) }

func (l *lay) add(it item) {
	it.r = it.r.Intersect(l.box)
	if !it.r.Empty() {
		l.items = append(l.items, it)
	}
}

// text adds one line of text s (clean and already fitted) with its top
// at top, clipped to [x, x+w).
func (l *lay) text(f *face, s string, x, top, w int, col color.RGBA) {
	l.spaced(f, s, x, top, w, 0, col)
}

func (l *lay) spaced(f *face, s string, x, top, w, sp int, col color.RGBA) {
	if s == "" || w <= 0 {
		return
	}
	// Accents and descenders may reach a little beyond the line box.
	ext := f.px / 8
	l.add(item{k: kText, r: image.Rect(x, top-ext, x+w, top+f.line+ext), x: x, y: top + f.ascent, sp: sp, f: f, s: s, c1: col})
}

// para adds s wrapped to at most n lines of width w and returns the
// height used.
func (l *lay) para(f *face, s string, x, top, w, n int, col color.RGBA) int {
	lines := f.wrap(clean(s), w, n)
	for i, ln := range lines {
		l.text(f, ln, x, top+i*f.line, w, col)
	}
	return len(lines) * f.line
}

// frame adds a panel; it returns the index of its item so a caller that
// learns the height later can fix it.
func (l *lay) frame(r image.Rectangle, rad, bw int, border, fill color.RGBA) int {
	l.items = append(l.items, item{k: kFrame, r: r.Intersect(l.box), rad: rad, bw: bw, c1: fill, c2: border})
	return len(l.items) - 1
}

// label adds an upper-case zone label ("NOW") with the page's tracking.
func (l *lay) label(s string, x, top, w int, col color.RGBA) (width, height int) {
	f := l.face(bold, l.z.label)
	sp := f.px * 12 / 100
	l.spaced(f, s, x, top, w, sp, col)
	return spacedWidth(f, s, sp), f.line
}

// dot adds a calendar-colour dot (the page's .dot: a disc with a border
// in the text colour) of diameter d with its centre at the middle of a
// text line of face f at top.
func (l *lay) dot(f *face, x, top int, colour string, fg color.RGBA) int {
	d := max(f.px*72/100, 3)
	c, ok := parseColor(colour)
	if !ok {
		c = l.t.calDefault
	}
	y := top + f.ascent - f.px*36/100 - d/2
	l.add(item{k: kDisc, r: image.Rect(x, y, x+d, y+d), c1: c, c2: fg, bw: max(l.s(2), 1)})
	return d
}

// viewLayout is the what's-next screen for a w×h layout.
func viewLayout(buf []item, v View, w, h int, mode Mode) []item {
	l := &lay{items: buf[:0], t: darkTheme, z: darkSizes, u: float64(min(w, h)) / 480, box: image.Rect(0, 0, w, h)}
	if mode != ModeColor {
		l.t, l.z = einkTheme, einkSizes
	}
	pc := present.NewClock(v.Now, v.Loc)

	landscape := w*5 > h*6
	pad := l.s1(14)
	bannerMax := h * 2 / 5
	if landscape {
		// Two columns of half the width: the page's compact landscape rules.
		l.z.title *= 0.88
		l.z.big *= 0.85
		l.z.countdown *= 0.85
		l.z.meta *= 0.92
		l.z.later *= 0.92
		pad = l.s1(10)
		bannerMax = h / 3
	}

	l.add(item{k: kFill, r: l.box, c1: l.t.bg})
	x0, x1 := pad, w-pad
	y := pad

	// Problems first: they change how everything below must be read.
	st := present.Status{Loaded: v.Loaded, Stale: v.Stale, UpdatedAt: v.UpdatedAt,
		ClockUnsynced: v.ClockUnsynced, NoNetwork: v.NoNetwork, Notices: v.Notices}
	if len(v.Feeds) > 0 {
		st.Feeds = make([]present.Feed, len(v.Feeds))
		for i, f := range v.Feeds {
			st.Feeds[i] = present.Feed{Name: f.Name, Stale: f.Stale, Error: f.Error, LastSuccess: f.LastSuccess}
		}
	}
	y = l.banners(pc.Banners(st), x0, x1, y, y+bannerMax, pad)
	if len(v.AllDay) > 0 {
		y = l.allDay(v.AllDay, x0, x1, y) + pad
	}
	bottom := l.footer(pc, v, x0, x1, h-pad) - pad

	if landscape {
		gap := pad
		split := x0 + (x1-x0-gap)*4/9
		l.nowZone(v, pc, image.Rect(x0, y, split, bottom), true)
		l.nextZone(v, pc, image.Rect(split+gap, y, x1, bottom))
	} else {
		used := l.nowZone(v, pc, image.Rect(x0, y, x1, y+(bottom-y)*11/20), false)
		l.nextZone(v, pc, image.Rect(x0, y+used+pad, x1, bottom))
	}
	return l.items
}

// banners adds the problem banners between top and limit and returns the
// y below them. What does not fit is counted in a last "+N more" banner.
func (l *lay) banners(bs []present.Banner, x0, x1, top, limit, gap int) int {
	if len(bs) == 0 {
		return top
	}
	fb, fd := l.face(bold, l.z.banner), l.face(regular, l.z.detail)
	px, py := l.s1(14), l.s1(10)
	bw := 0
	if l.t.eink {
		bw = l.s1(4)
	}
	iw := x1 - x0 - 2*px - 2*bw
	one := fb.line + 2*py + 2*bw // a one-line banner
	y := top
	for i, b := range bs {
		text, detail := clean(b.Text), clean(b.Detail)
		tl := fb.wrap(text, iw, 2)
		dl := fd.wrap(detail, iw, 2)
		hgt := len(tl)*fb.line + len(dl)*fd.line + 2*py + 2*bw
		reserve := 0
		if i < len(bs)-1 {
			reserve = gap + one
		}
		if y+hgt+reserve > limit && i == 0 {
			// The first problem is always shown, shortened if need be.
			tl, dl = fb.wrap(text, iw, 1), nil
			hgt = len(tl)*fb.line + 2*py + 2*bw
		} else if y+hgt+reserve > limit {
			// Say how many are left rather than hide them silently.
			more := "+" + strconv.Itoa(len(bs)-i) + " more problems"
			if len(bs)-i == 1 {
				more = "+1 more problem"
			}
			l.frame(image.Rect(x0, y, x1, y+one), l.s(10), bw, l.t.bannerBd, l.t.bannerBg)
			l.text(fb, fb.fit(more, iw), x0+px+bw, y+py+bw, iw, l.t.bannerFg)
			return y + one + gap
		}
		l.frame(image.Rect(x0, y, x1, y+hgt), l.s(10), bw, l.t.bannerBd, l.t.bannerBg)
		ty := y + py + bw
		for _, s := range tl {
			l.text(fb, s, x0+px+bw, ty, iw, l.t.bannerFg)
			ty += fb.line
		}
		for _, s := range dl {
			l.text(fd, s, x0+px+bw, ty, iw, l.t.bannerFg)
			ty += fd.line
		}
		y += hgt + gap
	}
	return y
}

// allDay adds today's all-day events as one row of chips and returns the
// y below it.
func (l *lay) allDay(ms []Meeting, x0, x1, top int) int {
	f := l.face(medium, l.z.chip)
	px, py, gap := l.s1(10), l.s1(5), l.s1(8)
	hgt := f.line + 2*py
	lw, _ := l.label("ALL DAY", x0, top+(hgt-l.face(bold, l.z.label).line)/2, x1-x0, l.t.dim)
	x := x0 + lw + gap*2
	for i, m := range ms {
		if x >= x1 {
			break
		}
		left := len(ms) - i - 1
		moreW := 0
		more := ""
		if left > 0 {
			more = "+" + strconv.Itoa(left)
			moreW = f.width(more) + gap
		}
		d := f.px * 72 / 100
		avail := x1 - x - moreW - 2*px - d - gap
		s := clean(m.Subject)
		sw := f.width(s)
		if sw > avail {
			if avail < f.px*3 && i > 0 {
				// No room for another chip: count the rest.
				more = "+" + strconv.Itoa(len(ms)-i)
				l.text(f, more, x, top+py, x1-x, l.t.dim)
				break
			}
			s = f.fit(s, max(avail, 0))
			sw = f.width(s)
		}
		cw := 2*px + d + gap + sw
		l.frame(image.Rect(x, top, x+cw, top+hgt), hgt/2, l.s1(2), l.t.line, l.t.panel)
		l.dot(f, x+px, top+py, m.Color, l.t.fg)
		l.text(f, s, x+px+d+gap, top+py, sw+1, l.t.fg)
		x += cw + gap
	}
	return top + hgt
}

// footer adds the status line (clock, date, freshness) ending at bottom
// and returns its top.
func (l *lay) footer(pc present.Clock, v View, x0, x1, bottom int) int {
	fc, fs := l.face(bold, l.z.clock), l.face(regular, l.z.status)
	top := bottom - fc.line
	gap := l.s1(16)
	clock := pc.ClockText()
	l.text(fc, clock, x0, top, x1-x0, l.t.fg)
	x := x0 + fc.width(clock) + gap
	st := top + fc.ascent - fs.ascent // shared baseline
	date := pc.DateText()
	l.text(fs, fs.fit(date, x1-x), x, st, x1-x, l.t.dim)
	x += fs.width(date) + gap
	if x < x1 {
		u := present.Updated(v.UpdatedAt, pc.Now)
		if u2 := fs.fit(u, x1-x); u2 != "" {
			l.text(fs, u2, x, st, x1-x, l.t.dim)
		}
	}
	return top
}

// zoneInner returns the panel's padding and border for the current theme.
func (l *lay) zonePad() (pad, border, rad int) {
	return l.s1(16), l.s1(3), l.s(16)
}

// nowZone adds the NOW panel inside r: the meeting in progress, or "Free".
// With fill the panel takes all of r, else only what its content needs.
// It returns the panel's height.
func (l *lay) nowZone(v View, pc present.Clock, r image.Rectangle, fill bool) int {
	zp, zb, zr := l.zonePad()
	fi := l.frame(r, zr, zb, l.t.line, l.t.panel)
	outer := l.box
	l.box = r.Inset(zb).Intersect(outer)
	defer func() { l.box = outer }()
	x0, x1 := r.Min.X+zb+zp, r.Max.X-zb-zp
	w := x1 - x0
	gap := l.s(8)
	y := r.Min.Y + zb + zp
	_, lh := l.label("NOW", x0, y, w, l.t.dim)
	y += lh + gap
	fb := l.face(bold, l.z.big)
	fm := l.face(regular, l.z.meta)
	if m := v.Current; m != nil {
		ft := l.face(bold, l.z.title)
		// Shed a title line, then the time range, when the panel is short.
		lines, showMeta := 2, true
		avail := r.Max.Y - zb - zp - y
		metaH := fm.line + gap
		for lines*ft.line+metaH+fb.line+l.s1(16)+2*gap > avail {
			if lines > 1 {
				lines--
			} else if showMeta {
				showMeta, metaH = false, 0
			} else {
				break
			}
		}
		y += l.para(ft, m.Subject, x0, y, w, lines, l.t.fg) + gap
		if showMeta {
			y += l.meta(fm, pc, m, x0, y, w) + gap
		}
		if m.AllDay {
			l.text(fb, fb.fit("all day", w), x0, y, w, l.t.fg)
			y += fb.line
		} else {
			left := present.DurClock(present.SecsUntil(m.End, pc.Now))
			if v.Coarse {
				left = present.DurWords(present.SecsUntil(m.End, pc.Now))
			}
			l.text(fb, left, x0, y, w, l.t.fg)
			fu := l.face(medium, l.z.unit)
			ux := x0 + fb.width(left) + l.s(10)
			l.text(fu, "left", ux, y+fb.ascent-fu.ascent, x1-ux, l.t.dim)
			y += fb.line + gap
			bh := l.s1(16)
			n := present.Progress(m.Start, m.End, pc.Now)
			if l.t.eink {
				bh = l.s1(20)
				bw := l.s1(3)
				l.add(item{k: kBarInk, r: image.Rect(x0, y, x1, y+bh), bw: bw, c1: l.t.fg, c2: l.t.panel,
					n: (w - 2*bw) * n / 1000})
			} else {
				l.add(item{k: kBar, r: image.Rect(x0, y, x1, y+bh), rad: bh / 2, c1: l.t.accent, c2: l.t.line,
					n: w * n / 1000})
			}
			y += bh
		}
	} else if !v.Loaded && v.Next == nil {
		// Not "Free": an empty agenda that was never loaded is not a free day.
		ft := l.face(bold, l.z.title)
		y += l.para(ft, "Loading calendar…", x0, y, w, 2, l.t.fg) + gap
		y += l.para(fm, "waiting for the first refresh", x0, y, w, 2, l.t.dim)
	} else {
		l.text(fb, fb.fit("Free", w), x0, y, w, l.t.free)
		y += fb.line + gap
		hasNext := v.Next != nil
		var start string
		var s int64
		if hasNext {
			start = pc.Local(v.Next.Start)
			s = present.SecsUntil(v.Next.Start, pc.Now)
		}
		y += l.para(fm, pc.FreeText(hasNext, start, s), x0, y, w, 2, l.t.dim)
	}
	y += zp + zb
	if !fill {
		bot := min(y, r.Max.Y)
		l.items[fi].r.Max.Y = bot
		l.items[fi].r = l.items[fi].r.Intersect(outer)
		return bot - r.Min.Y
	}
	return r.Dy()
}

// meta adds a meeting's time range and location on one line.
func (l *lay) meta(f *face, pc present.Clock, m *Meeting, x, top, w int) int {
	rg := pc.Range(pc.Local(m.Start), pc.Local(m.End), m.AllDay)
	rg = f.fit(rg, w)
	l.text(f, rg, x, top, w, l.t.fg)
	if loc := clean(m.Location); loc != "" {
		lx := x + f.width(rg) + l.s1(12)
		if rest := x + w - lx; rest > f.px*2 {
			l.text(f, f.fit(loc, rest), lx, top, rest, l.t.dim)
		}
	}
	return f.line
}

// nextZone adds the NEXT panel filling r: countdown, title, time and
// place, calendar, and the meetings after it as far as they fit.
func (l *lay) nextZone(v View, pc present.Clock, r image.Rectangle) {
	zp, zb, zr := l.zonePad()
	m := v.Next
	var secs int64
	level := present.LevelNone
	if m != nil {
		secs = present.SecsUntil(m.Start, pc.Now)
		level = present.Level(secs, m.AllDay, false, false)
	}
	t := l.t
	border, cd := t.line, t.accent
	switch level {
	case present.LevelUrgent:
		border, cd = t.urgent, t.urgent
	case present.LevelCritical:
		border, cd = t.critical, t.critical
		zb = l.s1(6)
		if t.eink {
			t = t.inverted()
			cd = t.fg
		}
	}
	l.frame(r, zr, zb, border, t.panel)
	if t.eink && level == present.LevelUrgent {
		// The page's double border: a second ring inside the first.
		zb = l.s1(6)
		in := r.Inset(zb)
		l.frame(in, max(zr-zb, 0), l.s1(2), t.line, t.panel)
	}
	outer, saved := l.box, l.t
	l.box = r.Inset(zb).Intersect(outer)
	l.t = t
	defer func() { l.box, l.t = outer, saved }()

	x0, x1 := r.Min.X+zb+zp, r.Max.X-zb-zp
	w := x1 - x0
	gap := l.s(8)
	y, ybot := r.Min.Y+zb+zp, r.Max.Y-zb-zp

	lw, lh := l.label("NEXT", x0, y, w, t.dim)
	if b := present.Badge(level); b != "" {
		fl := l.face(bold, l.z.label)
		bx := x0 + lw + l.s(12)
		bp := l.s1(8)
		bwid := fl.width(b) + 2*bp
		bg, fg := cd, black
		bd := 0
		if t.eink {
			bg, fg, bd = white, black, l.s1(3)
		}
		l.frame(image.Rect(bx, y-l.s(3), bx+bwid+2*bd, y+lh+l.s(3)), l.s(6), bd, t.fg, bg)
		l.text(fl, b, bx+bp+bd, y, bwid, fg)
	}
	y += lh + gap

	if m == nil {
		f := l.face(bold, l.z.title)
		none := "No more meetings"
		if !v.Loaded {
			none = "No data yet"
		}
		y += l.para(f, none, x0, y, w, 2, t.dim) + gap
		l.later(v.Later, pc, x0, x1, y, ybot)
		return
	}

	// The countdown: big, shrunk to fit a long date on a narrow panel.
	cdText := pc.Countdown(pc.Local(m.Start), m.AllDay, secs)
	if v.Coarse && strings.HasPrefix(cdText, "in ") {
		cdText = "in " + present.DurWords(secs)
	}
	fc := l.face(bold, l.z.countdown)
	if cw := fc.width(cdText); cw > w && cw > 0 {
		fc = getFace(bold, max(fc.px*w/cw, minFontPx))
	}
	cdh := l.face(bold, l.z.countdown).line
	l.text(fc, fc.fit(cdText, w), x0, y+cdh-fc.line, w, cd)
	y += cdh + gap

	ft := l.face(bold, l.z.title)
	fm := l.face(regular, l.z.meta)
	// What the rest needs; shed the least important parts when short.
	titleLines := 3
	showMeta, showCal := true, true
	need := func() int {
		n := titleLines * ft.line
		if showMeta {
			n += fm.line + gap
		}
		if showCal {
			n += fm.line + gap
		}
		return n
	}
	for need() > ybot-y {
		switch {
		case titleLines > 2:
			titleLines--
		case showCal:
			showCal = false
		case titleLines > 1:
			titleLines--
		case showMeta:
			showMeta = false
		default:
			goto fitted
		}
	}
fitted:
	y += l.para(ft, m.Subject, x0, y, w, titleLines, t.fg) + gap
	if showMeta {
		y += l.meta(fm, pc, m, x0, y, w) + gap
	}
	if showCal {
		cal := clean(m.Calendar)
		if cal != "" || m.Tentative || m.Color != "" {
			d := l.dot(fm, x0, y, m.Color, t.fg)
			x := x0 + d + l.s1(10)
			tag := ""
			if m.Tentative {
				tag = "tentative"
			}
			tagW := 0
			if tag != "" {
				tagW = fm.width(tag) + 2*l.s1(8) + l.s1(12)
			}
			cal = fm.fit(cal, max(x1-x-tagW, 0))
			l.text(fm, cal, x, y, x1-x, t.dim)
			if tag != "" {
				tx := x + fm.width(cal) + l.s1(12)
				if cal == "" {
					tx = x
				}
				l.frame(image.Rect(tx, y, tx+tagW-l.s1(12), y+fm.line), l.s(6), l.s1(2), t.dim, t.panel)
				l.text(fm, tag, tx+l.s1(8), y, tagW, t.dim)
			}
			y += fm.line + gap
		}
	}
	l.later(v.Later, pc, x0, x1, y, ybot)
}

// later adds the meetings after NEXT at the bottom of the panel, as many
// as fit between top and bottom.
func (l *lay) later(ms []Meeting, pc present.Clock, x0, x1, top, bottom int) {
	if len(ms) == 0 {
		return
	}
	f := l.face(regular, l.z.later)
	gap := l.s(8)
	sep := l.s1(2)
	row := f.line + gap
	n := min(len(ms), (bottom-top-sep-l.s(10)+gap)/row)
	if n <= 0 {
		return
	}
	y := bottom - n*row + gap
	l.add(item{k: kFill, r: image.Rect(x0, y-l.s(10)-sep, x1, y-l.s(10)), c1: l.t.line})
	for i := range n {
		m := &ms[i]
		d := l.dot(f, x0, y, m.Color, l.t.fg)
		x := x0 + d + l.s1(10)
		rg := f.fit(pc.Range(pc.Local(m.Start), pc.Local(m.End), m.AllDay), x1-x)
		l.text(f, rg, x, y, x1-x, l.t.dim)
		x += f.width(rg) + l.s1(10)
		if x < x1 {
			col := l.t.fg
			if m.Tentative {
				col = l.t.dim
			}
			l.text(f, f.fit(clean(m.Subject), x1-x), x, y, x1-x, col)
		}
		y += row
	}
}
