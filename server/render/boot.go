package render

import (
	"image"
	"strings"
)

// bootLayout is the boot screen for a w×h layout: the title, the error
// panel when something stopped the boot (the one thing that must be read
// from across the room), the steps, and where to reach the server.
func bootLayout(buf []item, b Boot, w, h int, mode Mode) []item {
	l := &lay{items: buf[:0], t: darkTheme, z: darkSizes, u: float64(min(w, h)) / 480, box: image.Rect(0, 0, w, h)}
	if mode != ModeColor {
		l.t, l.z = einkTheme, einkSizes
	}
	t := l.t
	l.add(item{k: kFill, r: l.box, c1: t.bg})
	pad := l.s1(20)
	x0, x1 := pad, w-pad
	iw := x1 - x0
	y := pad

	title := clean(b.Title)
	if title == "" {
		title = "CalendarBot"
	}
	ft := l.face(bold, 44)
	fv := l.face(regular, 22)
	title = ft.fit(title, iw)
	l.text(ft, title, x0, y, iw, t.fg)
	if v := clean(b.Version); v != "" {
		vx := x0 + ft.width(title) + l.s1(14)
		if vx < x1 {
			l.text(fv, fv.fit(v, x1-vx), vx, y+ft.ascent-fv.ascent, x1-vx, t.dim)
		}
	}
	y += ft.line + l.s1(16)

	// Where to go: at the bottom, always visible.
	bottom := h - pad
	if addr := address(b.Address); addr != "" {
		fa := l.face(bold, 24)
		msg := "Open " + addr + " in a browser on the same network"
		lines := fa.wrap(clean(msg), iw, 2)
		bottom -= len(lines) * fa.line
		for i, s := range lines {
			l.text(fa, s, x0, bottom+i*fa.line, iw, t.accent)
		}
		bottom -= l.s1(12)
	}

	if e := clean(b.Error); e != "" {
		zb, zp := l.s1(6), l.s1(18)
		fe := l.face(bold, 32)
		fh := l.face(regular, 24)
		fl := l.face(bold, l.z.label)
		el := fe.wrap(e, iw-2*(zb+zp), 3)
		hl := fh.wrap(clean(b.Hint), iw-2*(zb+zp), 5)
		hgt := 2*(zb+zp) + fl.line + l.s(8) + len(el)*fe.line
		if len(hl) > 0 {
			hgt += l.s(10) + len(hl)*fh.line
		}
		hgt = min(hgt, max(bottom-y, 0))
		bg := t.panel
		if !t.eink {
			bg = rgb(0x2a0f0e) // a dark red panel: the problem, not a meeting
		}
		l.frame(image.Rect(x0, y, x1, y+hgt), l.s(16), zb, t.critical, bg)
		outer := l.box
		l.box = image.Rect(x0+zb, y+zb, x1-zb, y+hgt-zb).Intersect(outer)
		cx, cw := x0+zb+zp, iw-2*(zb+zp)
		cy := y + zb + zp
		_, lh := l.label("PROBLEM", cx, cy, cw, t.critical)
		cy += lh + l.s(8)
		for _, s := range el {
			l.text(fe, s, cx, cy, cw, t.fg)
			cy += fe.line
		}
		cy += l.s(10)
		for _, s := range hl {
			l.text(fh, s, cx, cy, cw, t.fg)
			cy += fh.line
		}
		l.box = outer
		y += hgt + l.s1(16)
	}

	// The steps, as many as fit; when they do not all fit, those around
	// the first unfinished one.
	fn := l.face(bold, 28)
	fd := l.face(regular, 20)
	row := fn.line + l.s(10)
	n := len(b.Steps)
	fit := max((bottom-y)/row, 0)
	first := 0
	if n > fit {
		cur := n
		for i, s := range b.Steps {
			if s.State != StepDone && s.State != StepSkipped {
				cur = i
				break
			}
		}
		first = min(max(cur-1, 0), n-fit)
	}
	for i := first; i < n && i < first+fit; i++ {
		l.step(b.Steps[i], fn, fd, x0, x1, y)
		y += row
	}
	return l.items
}

// address turns "192.168.1.20" into "http://192.168.1.20/".
func address(a string) string {
	a = strings.TrimSpace(clean(a))
	if a == "" {
		return ""
	}
	if !strings.Contains(a, "://") {
		a = "http://" + a
	}
	if rest := a[strings.Index(a, "://")+3:]; !strings.Contains(rest, "/") {
		a += "/"
	}
	return a
}

var stepWords = [...]string{StepPending: "waiting", StepRunning: "running…", StepDone: "done", StepFailed: "failed", StepSkipped: "skipped"}

// step adds one boot step: a state mark, the name, the detail and the
// state in words (marks alone are not enough on a grey panel).
func (l *lay) step(s Step, fn, fd *face, x0, x1, top int) {
	t := l.t
	d := fn.px * 80 / 100
	my := top + fn.ascent - fn.px*36/100 - d/2
	mr := image.Rect(x0, my, x0+d, my+d)
	ring := max(l.s(3), 1)
	word, wcol := "waiting", t.dim
	if int(s.State) < len(stepWords) {
		word = stepWords[s.State]
	}
	switch s.State {
	case StepRunning:
		l.add(item{k: kDisc, r: mr, c1: t.bg, c2: t.accent, bw: ring})
		l.add(item{k: kDisc, r: mr.Inset(d / 4), c1: t.accent})
		wcol = t.accent
	case StepDone:
		l.add(item{k: kDisc, r: mr, c1: t.ok})
		wcol = t.ok
	case StepFailed:
		l.add(item{k: kDisc, r: mr, c1: t.fail})
		f := getFace(bold, d*9/10)
		l.text(f, "!", x0+(d-f.width("!"))/2, my+(d-f.ascent)/2-f.px/12, d, t.bg)
		wcol = t.fail
	case StepSkipped:
		l.add(item{k: kDisc, r: mr, c1: t.bg, c2: t.dim, bw: ring})
		l.add(item{k: kFill, r: image.Rect(mr.Min.X+d/4, my+d/2-ring/2, mr.Max.X-d/4, my+d/2-ring/2+ring), c1: t.dim})
	default:
		l.add(item{k: kDisc, r: mr, c1: t.bg, c2: t.dim, bw: ring})
	}
	x := x0 + d + l.s1(14)
	ww := fd.width(word)
	wx := x1 - ww
	l.text(fd, word, wx, top+fn.ascent-fd.ascent, ww+1, wcol)
	avail := wx - l.s1(14) - x
	name := fn.fit(clean(s.Name), max(avail, 0))
	ncol := t.fg
	if s.State == StepFailed {
		ncol = t.fail
	}
	l.text(fn, name, x, top, avail, ncol)
	if det := clean(s.Detail); det != "" {
		dx := x + fn.width(name) + l.s1(14)
		if rest := wx - l.s1(14) - dx; rest > fd.px*3 {
			l.text(fd, fd.fit(det, rest), dx, top+fn.ascent-fd.ascent, rest, t.dim)
		}
	}
}
