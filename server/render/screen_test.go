package render

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func sameImage(a, b image.Image) bool {
	switch a := a.(type) {
	case *image.RGBA:
		b, ok := b.(*image.RGBA)
		return ok && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
	case *image.Gray:
		b, ok := b.(*image.Gray)
		return ok && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
	}
	return false
}

// TestIncremental ticks a Screen second by second, across a minute
// boundary and the switch to "critical", and checks every frame against a
// fresh full render, and that a tick within the minute repaints only small
// areas.
func TestIncremental(t *testing.T) {
	vs := views()
	for _, name := range []string{"in_progress", "next_critical", "long_titles"} {
		for _, o := range []Options{portrait, with(landscape, ModeMono), {Width: 800, Height: 480, Rotate: 270, Mode: ModeGray}, {Width: 480, Height: 800, Rotate: 180}} {
			s, err := NewScreen(o)
			if err != nil {
				t.Fatal(err)
			}
			v := vs[name]
			start := v.Now.Truncate(time.Minute).Add(50 * time.Second)
			for i := range 20 { // 10:17:50 … 10:18:09
				v.Now = start.Add(time.Duration(i) * time.Second)
				fr := s.Draw(v)
				want, _ := Render(v, o)
				if !sameImage(fr.Image, want) {
					t.Fatalf("%s %+v at %s: incremental frame differs from a full render", name, o, v.Now.Format(time.TimeOnly))
				}
				if i == 0 {
					if len(fr.Dirty) != 1 || fr.Dirty[0] != fr.Image.Bounds() {
						t.Fatalf("first frame dirty %v", fr.Dirty)
					}
					continue
				}
				area := 0
				for _, d := range fr.Dirty {
					if !d.In(fr.Image.Bounds()) {
						t.Fatalf("dirty %v outside %v", d, fr.Image.Bounds())
					}
					area += d.Dx() * d.Dy()
				}
				if v.Now.Second() != 0 && area*3 > o.Width*o.Height {
					t.Errorf("%s %+v at %s: a tick repainted %d of %d pixels", name, o, v.Now.Format(time.TimeOnly), area, o.Width*o.Height)
				}
			}
		}
	}
}

// TestConcurrentScreens: Screens share the font caches.
func TestConcurrentScreens(t *testing.T) {
	vs := views()
	done := make(chan image.Image)
	for i := range 4 {
		go func() {
			o := Options{Width: 300 + 7*i, Height: 500, Mode: Mode(i % 3)}
			img, _ := Render(vs["long_titles"], o)
			done <- img
		}()
	}
	for range 4 {
		if img := <-done; img == nil {
			t.Error("no image")
		}
	}
}

// TestDirtyNothingChanged: the same view twice repaints nothing.
func TestDirtyNothingChanged(t *testing.T) {
	s, _ := NewScreen(portrait)
	v := views()["in_progress"]
	s.Draw(v)
	if fr := s.Draw(v); len(fr.Dirty) != 0 {
		t.Errorf("dirty %v", fr.Dirty)
	}
	// A boot screen after a view is a full repaint, and back.
	if fr := s.DrawBoot(boots()["boot"]); len(fr.Dirty) != 1 || fr.Dirty[0] != fr.Image.Bounds() {
		t.Errorf("boot dirty %v", fr.Dirty)
	}
	fr := s.Draw(v)
	want, _ := Render(v, portrait)
	if !sameImage(fr.Image, want) {
		t.Error("view after boot differs")
	}
}

func TestTypesAndSizes(t *testing.T) {
	v := views()["in_progress"]
	for _, o := range []Options{
		{Width: 64, Height: 64}, {Width: 64, Height: 4096, Mode: ModeMono}, {Width: 4096, Height: 64, Rotate: 90, Mode: ModeGray},
		{Width: 97, Height: 131, Rotate: 270}, {Width: 1920, Height: 1080}, {Width: 1872, Height: 1404, Mode: ModeMono, Rotate: 180},
	} {
		for _, boot := range []bool{false, true} {
			var img image.Image
			var err error
			if boot {
				img, err = RenderBoot(boots()["boot_error"], o)
			} else {
				img, err = Render(v, o)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, img, o)
		}
	}
	if _, err := Render(v, Options{Width: 63, Height: 100}); err == nil {
		t.Error("63 px accepted")
	}
	if _, err := NewScreen(Options{Width: 100, Height: 100, Rotate: 45}); err == nil {
		t.Error("rotation 45 accepted")
	}
}

func checkImage(t *testing.T, img image.Image, o Options) {
	t.Helper()
	if img.Bounds() != image.Rect(0, 0, o.Width, o.Height) {
		t.Fatalf("%+v: bounds %v", o, img.Bounds())
	}
	switch o.Mode {
	case ModeColor:
		if _, ok := img.(*image.RGBA); !ok {
			t.Fatalf("%+v: %T", o, img)
		}
	default:
		g, ok := img.(*image.Gray)
		if !ok {
			t.Fatalf("%+v: %T", o, img)
		}
		if o.Mode == ModeMono {
			for _, p := range g.Pix {
				if p != 0 && p != 255 {
					t.Fatalf("%+v: mono pixel %d", o, p)
				}
			}
		}
	}
}

func hostileStrings() []string {
	return []string{
		"", " ", strings.Repeat("W", 10000), strings.Repeat("長い", 5000), "\x00\x01\x1b[31mred\x7f",
		"\xff\xfe\xfd invalid \xc3", "שלום עולם مرحبا بالعالم", "\u202eevil\u202c\u200f\u2066x", "a\nb\r\nc\td",
		strings.Repeat("🎉", 3000), "e\u0301\u0301\u0301\u0301", strings.Repeat(" ", 500), strings.Repeat("x ", 50000),
	}
}

// TestHostileViews: no input panics or draws outside the image.
func TestHostileViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hs := hostileStrings()
	pick := func() string { return hs[rng.IntN(len(hs))] }
	times := []time.Time{{}, now0, now0.Add(-1000 * time.Hour), now0.AddDate(500, 0, 0), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(-50, 1, 1, 0, 0, 0, 0, time.UTC), now0.Add(90 * time.Second)}
	pt := func() time.Time { return times[rng.IntN(len(times))] }
	meeting := func() Meeting {
		return Meeting{Subject: pick(), Location: pick(), Calendar: pick(), Color: []string{"", "#zzzzzz", "#ff0000", "red", pick()}[rng.IntN(5)],
			Start: pt(), End: pt(), AllDay: rng.IntN(3) == 0, Tentative: rng.IntN(2) == 0}
	}
	locs := []*time.Location{nil, berlin, time.UTC, mustLoc("Pacific/Kiritimati")}
	opts := []Options{portrait, landscape, {Width: 64, Height: 64, Mode: ModeMono}, {Width: 200, Height: 90, Rotate: 90, Mode: ModeGray}}
	for i := range 60 {
		v := View{Now: pt(), Loc: locs[rng.IntN(len(locs))], Loaded: rng.IntN(2) == 0, Stale: rng.IntN(2) == 0,
			UpdatedAt: pt(), ClockUnsynced: rng.IntN(2) == 0, NoNetwork: rng.IntN(2) == 0}
		if v.Now.IsZero() {
			v.Now = now0 // keep the test deterministic
		}
		if rng.IntN(4) > 0 {
			m := meeting()
			v.Current = &m
		}
		if rng.IntN(4) > 0 {
			m := meeting()
			v.Next = &m
		}
		for range rng.IntN(30) {
			v.Later = append(v.Later, meeting())
		}
		for range rng.IntN(8) {
			v.AllDay = append(v.AllDay, meeting())
		}
		for range rng.IntN(6) {
			v.Feeds = append(v.Feeds, Feed{Name: pick(), Stale: rng.IntN(2) == 0, Error: pick(), LastSuccess: pt()})
		}
		for range rng.IntN(4) {
			v.Notices = append(v.Notices, pick())
		}
		o := opts[i%len(opts)]
		img, err := Render(v, o)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img, o)
		b := Boot{Title: pick(), Version: pick(), Error: pick(), Hint: pick(), Address: pick()}
		for range rng.IntN(40) {
			b.Steps = append(b.Steps, Step{Name: pick(), Detail: pick(), State: StepState(rng.IntN(7))})
		}
		img, err = RenderBoot(b, o)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img, o)
	}
}

// TestHostileFast: 100k-character strings are cut early.
func TestHostileFast(t *testing.T) {
	huge := strings.Repeat("Überlange Besprechung ", 5000)
	v := views()["in_progress"]
	v.Current.Subject, v.Current.Location = huge, huge
	v.Next.Subject, v.Next.Calendar = huge, huge
	v.Notices = []string{huge}
	s, _ := NewScreen(portrait)
	s.Draw(v)
	t0 := time.Now()
	for range 5 {
		v.Now = v.Now.Add(time.Minute)
		s.Draw(v)
	}
	if d := time.Since(t0) / 5; d > 200*time.Millisecond {
		t.Errorf("a frame with 110k-character strings took %v", d)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Sprint planning", "Room 4", "Work", "#1e90ff", uint16(480), uint16(800), uint8(0), uint8(0))
	f.Add("\xff\x00\u202e会議 🎉", "", "", "red", uint16(64), uint16(64), uint8(1), uint8(2))
	f.Add(strings.Repeat("x", 3000), "y", "z", "#000000", uint16(4096), uint16(100), uint8(3), uint8(1))
	f.Fuzz(func(t *testing.T, subject, location, calendar, colour string, w, h uint16, rot, mode uint8) {
		o := Options{Width: MinSize + int(w)%(1024-MinSize), Height: MinSize + int(h)%(1024-MinSize),
			Rotate: int(rot%4) * 90, Mode: Mode(mode % 3)}
		m := Meeting{Subject: subject, Location: location, Calendar: calendar, Color: colour,
			Start: now0.Add(-time.Duration(len(subject)) * time.Minute), End: now0.Add(time.Duration(len(location)) * time.Minute)}
		v := View{Now: now0, Loc: berlin, Loaded: true, Current: &m, Next: &m, Later: []Meeting{m, m}, AllDay: []Meeting{m},
			Feeds: []Feed{{Name: calendar, Stale: true, Error: subject}}, Notices: []string{location}}
		img, err := Render(v, o)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img, o)
		img, err = RenderBoot(Boot{Title: subject, Error: location, Hint: calendar, Address: colour,
			Steps: []Step{{Name: subject, Detail: location, State: StepState(mode)}}}, o)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img, o)
	})
}

// TestPNG: mono is 1-bit and small enough for TRMNL (90 KB), grey is
// 8-bit grey, colour is RGB without alpha.
func TestPNG(t *testing.T) {
	v := views()["stale_feed"]
	for _, tc := range []struct {
		o     Options
		limit int
		model string
	}{
		{with(landscape, ModeMono), 90 << 10, "paletted"},
		{with(portrait, ModeGray), 0, "gray"},
		{landscape, 0, "rgb"},
	} {
		img, _ := Render(v, tc.o)
		var buf bytes.Buffer
		if err := EncodePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		// IHDR: bit depth at byte 24, colour type at 25.
		depth, ctype := buf.Bytes()[24], buf.Bytes()[25]
		switch tc.model {
		case "paletted":
			if depth != 1 || ctype != 3 {
				t.Errorf("mono PNG: depth %d, colour type %d", depth, ctype)
			}
		case "gray":
			if depth != 8 || ctype != 0 {
				t.Errorf("grey PNG: depth %d, colour type %d", depth, ctype)
			}
		case "rgb":
			if depth != 8 || ctype != 2 {
				t.Errorf("colour PNG: depth %d, colour type %d", depth, ctype)
			}
		}
		if cfg.Width != tc.o.Width || cfg.Height != tc.o.Height {
			t.Errorf("PNG size %dx%d", cfg.Width, cfg.Height)
		}
		if tc.limit > 0 && buf.Len() > tc.limit {
			t.Errorf("%v PNG is %d bytes, limit %d", tc.o.Mode, buf.Len(), tc.limit)
		}
		t.Logf("%v %dx%d: %d bytes", tc.o.Mode, tc.o.Width, tc.o.Height, buf.Len())
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"": ModeColor, "Colour": ModeColor, "grey": ModeGray, "BW": ModeMono, "1bit": ModeMono} {
		if m, err := ParseMode(s); err != nil || m != want {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMode("sepia"); err == nil {
		t.Error("sepia accepted")
	}
}

func benchView(b *testing.B, o Options) {
	v := views()["in_progress"]
	s, _ := NewScreen(o)
	s.Draw(v) // warm the glyph cache, as a running appliance has
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A full repaint: layout, every pixel, rotation.
		v.Now = now0.Add(time.Duration(i%2+1) * time.Minute)
		s.invalidate()
		s.Draw(v)
	}
}

// BenchmarkNewMinute is the once-a-minute redraw: the clock, the
// countdowns and "updated … ago" change, the rest stays.
func BenchmarkNewMinute(b *testing.B) {
	v := views()["in_progress"]
	s, _ := NewScreen(portrait)
	s.Draw(v)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v.Now = now0.Add(time.Duration(i%2+1) * time.Minute)
		s.Draw(v)
	}
}

func BenchmarkRenderPortrait(b *testing.B)  { benchView(b, portrait) }
func BenchmarkRenderLandscape(b *testing.B) { benchView(b, landscape) }
func BenchmarkRenderMono(b *testing.B)      { benchView(b, with(landscape, ModeMono)) }
func BenchmarkRenderRotated(b *testing.B) {
	benchView(b, Options{Width: 800, Height: 480, Rotate: 90})
}

// BenchmarkTick is the framebuffer's every-second redraw: same view, same
// minute, one second later.
func BenchmarkTick(b *testing.B) {
	v := views()["in_progress"]
	s, _ := NewScreen(portrait)
	base := v.Now.Truncate(time.Minute)
	s.Draw(v)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v.Now = base.Add(time.Duration(i%58+1) * time.Second)
		s.Draw(v)
	}
}

func BenchmarkEncodePNGMono800x480(b *testing.B) {
	img, _ := Render(views()["in_progress"], with(landscape, ModeMono))
	b.ReportAllocs()
	for b.Loop() {
		if err := EncodePNG(io.Discard, img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderOnce is what an HTTP handler pays per PNG request with
// Render: a new Screen (its image allocated) and a full repaint; the
// glyph cache is shared and warm.
func BenchmarkRenderOnce(b *testing.B) {
	v := views()["in_progress"]
	o := with(landscape, ModeMono)
	_, _ = Render(v, o)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Render(v, o)
	}
}
