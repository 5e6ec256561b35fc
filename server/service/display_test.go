package service

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/render"
)

// dpStack serves /display.png through the real transport with the real
// renderer drawing an empty view at the requested clock.
type dpStack struct {
	srv     *httptest.Server
	renders atomic.Int64
	clock   *trClock
	block   chan struct{} // when not nil, renders wait for it
}

func dpNew(t *testing.T, withCache bool, conc int, wait time.Duration) *dpStack {
	t.Helper()
	s := &dpStack{clock: &trClock{t: trNow}}
	store := NewStore()
	var c *cache.Cache
	if withCache {
		c = cache.New(cache.Options{MaxBytes: 8 << 20, Enabled: true, Coalescing: true})
	}
	disp := NewDisplay(DisplayOptions{
		Render: func(ctx context.Context, now time.Time, o render.Options) ([]byte, error) {
			s.renders.Add(1)
			if s.block != nil {
				<-s.block
			}
			img, err := render.Render(render.View{Now: now, Loaded: true}, o)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			if err := render.EncodePNG(&b, img); err != nil {
				return nil, err
			}
			return b.Bytes(), nil
		},
		Store: store, Cache: c, Clock: s.clock.Now, Concurrency: conc, Wait: wait,
	})
	svc := New(Config{Location: time.UTC, Clock: s.clock.Now}, store)
	h := NewHTTPHandler(MakeEndpoints(svc), HTTPOptions{Store: store, Cache: c, Clock: s.clock.Now, Display: disp})
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *dpStack) get(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestDisplayPNGModes(t *testing.T) {
	s := dpNew(t, true, 0, 0)
	for _, tc := range []struct {
		query string
		w, h  int
		model color.Model
		depth byte // PNG bit depth
	}{
		{"", 480, 800, color.RGBAModel, 8},
		{"?mode=gray&w=600&h=800", 600, 800, color.GrayModel, 8},
		{"?mode=mono&w=800&h=480", 800, 480, nil, 1},
		{"?mode=mono&w=480&h=800&rotate=90", 480, 800, nil, 1},
	} {
		resp, body := s.get(t, "/display.png"+tc.query)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("ETag") == "" {
			t.Fatalf("%s: %d %v", tc.query, resp.StatusCode, resp.Header)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("%s: %dx%d, want %dx%d", tc.query, cfg.Width, cfg.Height, tc.w, tc.h)
		}
		// IHDR's bit depth is byte 24 of the file.
		if body[24] != tc.depth {
			t.Errorf("%s: bit depth %d, want %d", tc.query, body[24], tc.depth)
		}
		if tc.model != nil && cfg.ColorModel != tc.model {
			// Colour frames may be stored as RGB or RGBA; grey must be grey.
			if tc.model == color.GrayModel || (cfg.ColorModel != color.RGBAModel && cfg.ColorModel != color.NRGBAModel) {
				t.Errorf("%s: colour model %T", tc.query, cfg.ColorModel)
			}
		}
		if tc.depth == 1 {
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			assertTwoTone(t, img)
		}
	}
}

func assertTwoTone(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			if g != 0 && g != 255 {
				t.Fatalf("mono pixel (%d,%d) = %d", x, y, g)
			}
		}
	}
}

func TestDisplayBadParameters(t *testing.T) {
	s := dpNew(t, true, 0, 0)
	for query, want := range map[string]string{
		"?w=abc":             `w: "abc" is not a whole number`,
		"?w=10":              "w: ",
		"?h=5000":            "h: ",
		"?w=-480":            "w: ",
		"?mode=sepia":        `mode: "sepia" is not color, gray or mono`,
		"?rotate=45":         `rotate: "45" is not 0, 90, 180 or 270`,
		"?w=4096&h=4096":     "w×h: 4096×4096 is 16777216 pixels, more than the 4194304",
		"?w=2049&h=2049":     "more than the 4194304",
		"?mode=%3Cscript%3E": `mode: "<script>" is not`,
	} {
		resp, body := s.get(t, "/display.png"+query)
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %q, want 400 containing %q", query, resp.StatusCode, body, want)
		}
	}
	for _, ok := range []string{"?w=2048&h=2048", "?w=0480&h=800&mode=MONO&rotate=180", "?mode=grey&unknown=1"} {
		if resp, _ := s.get(t, "/display.png"+ok); resp.StatusCode != 200 {
			t.Errorf("%s: %d", ok, resp.StatusCode)
		}
	}
	if s.renders.Load() == 0 {
		t.Error("no render")
	}
}

func TestDisplayCacheAndETag(t *testing.T) {
	s := dpNew(t, true, 0, 0)
	r1, b1 := s.get(t, "/display.png?w=480&mode=mono")
	// Same normalised parameters, other spelling and an unknown parameter:
	// a cache hit, not a second render.
	r2, b2 := s.get(t, "/display.png?mode=mono&w=0480&h=800&utm_source=x")
	if n := s.renders.Load(); n != 1 {
		t.Errorf("%d renders for identical requests, want 1", n)
	}
	if !bytes.Equal(b1, b2) || r1.Header.Get("ETag") != r2.Header.Get("ETag") {
		t.Error("cached answer differs")
	}
	r3, b3 := s.get(t, "/display.png?w=480&mode=mono", "If-None-Match", r1.Header.Get("ETag"))
	if r3.StatusCode != http.StatusNotModified || len(b3) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", r3.StatusCode, len(b3))
	}
	// Within the same minute the image is the same; a minute later it is drawn again.
	s.clock.Add(30 * time.Second)
	s.get(t, "/display.png?w=480&mode=mono")
	if n := s.renders.Load(); n != 1 {
		t.Errorf("%d renders within one minute, want 1", n)
	}
	s.clock.Add(time.Minute)
	s.get(t, "/display.png?w=480&mode=mono")
	if n := s.renders.Load(); n != 2 {
		t.Errorf("%d renders after a minute, want 2", n)
	}

	// Without the cache every request renders, and ETag/304 still work.
	u := dpNew(t, false, 0, 0)
	r, _ := u.get(t, "/display.png")
	if r4, _ := u.get(t, "/display.png", "If-None-Match", r.Header.Get("ETag")); r4.StatusCode != http.StatusNotModified {
		t.Errorf("uncached If-None-Match: %d", r4.StatusCode)
	}
	if u.renders.Load() != 2 {
		t.Errorf("uncached: %d renders, want 2", u.renders.Load())
	}
}

// TestDisplayConcurrencyLimit: with one render slot taken, a request for
// another size waits briefly, then gets 503 with Retry-After.
func TestDisplayConcurrencyLimit(t *testing.T) {
	s := dpNew(t, true, 1, 100*time.Millisecond)
	s.block = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() {
		defer wg.Done()
		resp, _ := s.get(t, "/display.png?w=400")
		first = resp.StatusCode
	}()
	for s.renders.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	resp, body := s.get(t, "/display.png?w=500")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "busy") {
		t.Errorf("second render: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	close(s.block)
	wg.Wait()
	if first != 200 {
		t.Errorf("first render: %d", first)
	}
	if resp, _ := s.get(t, "/display.png?w=500"); resp.StatusCode != 200 {
		t.Errorf("after the slot freed: %d", resp.StatusCode)
	}
}
