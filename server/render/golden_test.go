package render

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

func bootSteps() []Step {
	return []Step{
		{Name: "Kernel", State: StepDone, Detail: "6.12.48"},
		{Name: "Configuration", State: StepDone, Detail: "calendarbot.toml"},
		{Name: "Network", State: StepDone, Detail: "wlan0 192.168.1.20"},
		{Name: "Clock", State: StepRunning, Detail: "waiting for NTP"},
		{Name: "Calendar", State: StepPending},
		{Name: "Bluetooth", State: StepSkipped, Detail: "disabled"},
	}
}

func boots() map[string]Boot {
	failed := bootSteps()
	failed[1] = Step{Name: "Configuration", State: StepFailed, Detail: "not found"}
	for i := 2; i < len(failed); i++ {
		failed[i].State = StepPending
		failed[i].Detail = ""
	}
	return map[string]Boot{
		"boot": {Version: "v1.4.0", Steps: bootSteps(), Address: "192.168.1.20"},
		"boot_error": {Version: "v1.4.0", Steps: failed, Error: "No calendarbot.toml on the SD card",
			Hint: "Copy calendarbot.toml to the card's boot partition from any computer, then restart.", Address: "192.168.1.20"},
	}
}

type goldenCase struct {
	name string
	view string // a key of views(), or of boots() when boot
	boot bool
	opt  Options
}

var (
	portrait  = Options{Width: 480, Height: 800}
	landscape = Options{Width: 800, Height: 480}
)

func with(o Options, m Mode) Options { o.Mode = m; return o }

func goldenCases() []goldenCase {
	return []goldenCase{
		{"in_progress", "in_progress", false, portrait},
		{"in_progress_landscape", "in_progress", false, landscape},
		{"in_progress_rot90", "in_progress", false, Options{Width: 800, Height: 480, Rotate: 90}},
		{"in_progress_gray", "in_progress", false, with(portrait, ModeGray)},
		{"in_progress_mono_landscape", "in_progress", false, with(landscape, ModeMono)},
		{"next_critical", "next_critical", false, portrait},
		{"next_critical_mono", "next_critical", false, with(landscape, ModeMono)},
		{"next_urgent", "next_urgent", false, portrait},
		{"next_urgent_mono", "next_urgent", false, with(portrait, ModeMono)},
		{"nothing_left_today", "nothing_left_today", false, portrait},
		{"all_day_only", "all_day_only", false, portrait},
		{"stale_feed", "stale_feed", false, portrait},
		{"stale_feed_landscape", "stale_feed", false, landscape},
		{"long_titles", "long_titles", false, portrait},
		{"long_titles_mono_landscape", "long_titles", false, with(landscape, ModeMono)},
		{"not_loaded", "not_loaded", false, portrait},
		{"small_320x240", "in_progress", false, Options{Width: 320, Height: 240}},
		{"boot", "boot", true, portrait},
		{"boot_error", "boot_error", true, portrait},
		{"boot_error_landscape_mono", "boot_error", true, with(landscape, ModeMono)},
	}
}

func TestGolden(t *testing.T) {
	vs, bs := views(), boots()
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			var img image.Image
			var err error
			if gc.boot {
				img, err = RenderBoot(bs[gc.view], gc.opt)
			} else {
				img, err = Render(vs[gc.view], gc.opt)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, gc.name, img)
		})
	}
}

// checkGolden compares img with testdata/<name>.png. Anti-aliasing may
// differ a little between platforms' floating point, so a few pixels may
// be off by a couple of levels; anything more is a change.
func checkGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	var buf bytes.Buffer
	encode := func() {
		if err := EncodePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		encode()
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server/render -update)", err)
	}
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("size %v, golden %v", img.Bounds(), want.Bounds())
	}
	if exactlyEqual(img, want) {
		return
	}
	diff, bad, worst := diffImages(img, want)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	if worst <= 2 && bad*200 <= total {
		return
	}
	encode()
	dir := filepath.Join("testdata", "failed")
	_ = os.MkdirAll(dir, 0o755)
	gotPath, diffPath := filepath.Join(dir, name+".png"), filepath.Join(dir, name+"_diff.png")
	_ = os.WriteFile(gotPath, buf.Bytes(), 0o644)
	if f, err := os.Create(diffPath); err == nil {
		_ = png.Encode(f, diff)
		_ = f.Close()
	}
	t.Errorf("%s: %d of %d pixels differ (worst %d per channel); actual image %s, differences in red %s",
		name, bad, total, worst, gotPath, diffPath)
}

// exactlyEqual is the fast path: the golden decodes to the same pixel
// layout as the rendered image (a 1-bit PNG to a two-colour palette).
func exactlyEqual(got, want image.Image) bool {
	switch g := got.(type) {
	case *image.RGBA:
		w, ok := want.(*image.RGBA)
		return ok && bytes.Equal(g.Pix, w.Pix)
	case *image.Gray:
		switch w := want.(type) {
		case *image.Gray:
			return bytes.Equal(g.Pix, w.Pix)
		case *image.Paletted:
			if len(w.Pix) != len(g.Pix) {
				return false
			}
			for i, p := range w.Pix {
				if r, _, _, _ := w.Palette[p].RGBA(); uint8(r>>8) != g.Pix[i] {
					return false
				}
			}
			return true
		}
	}
	return false
}

func rgba8(c color.Color) [3]int {
	r, g, b, _ := c.RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

// diffImages counts pixels that differ at all and the largest channel
// difference, and draws the differences in red over a dimmed copy.
func diffImages(a, b image.Image) (*image.RGBA, int, int) {
	r := a.Bounds()
	d := image.NewRGBA(r)
	bad, worst := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := rgba8(a.At(x, y)), rgba8(b.At(x, y))
			m := 0
			for i := range 3 {
				m = max(m, abs(ca[i]-cb[i]))
			}
			if m > 0 {
				bad++
				worst = max(worst, m)
				d.Set(x, y, color.RGBA{255, 0, 0, 255})
				continue
			}
			g := uint8((ca[0] + ca[1] + ca[2]) / 12)
			d.Set(x, y, color.RGBA{g, g, g, 255})
		}
	}
	return d, bad, worst
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestGoldenList keeps the list of golden files in step with the cases.
func TestGoldenList(t *testing.T) {
	if *update {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.png"))
	want := map[string]bool{}
	for _, gc := range goldenCases() {
		want[filepath.Join("testdata", gc.name+".png")] = true
	}
	var stray []string
	for _, f := range files {
		if !want[f] {
			stray = append(stray, f)
		}
	}
	sort.Strings(stray)
	if len(stray) > 0 {
		t.Errorf("golden files without a case: %v", stray)
	}
}
