package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/framebuffer"
	"github.com/calendarbot/calendarbot/server/render"
	"github.com/calendarbot/calendarbot/server/service"
)

// fbLog is a log buffer safe for the display goroutine and the test.
type fbLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *fbLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *fbLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixedService answers WhatsNext only.
type fixedService struct {
	service.Service
	mu    sync.Mutex
	calls int
}

func (s *fixedService) WhatsNext(ctx context.Context, req service.WhatsNextRequest) (service.WhatsNextResponse, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return service.WhatsNextResponse{NowISO: "2026-01-15T08:20:00Z"}, nil
}

func TestDisplayDrawsOnFramebuffer(t *testing.T) {
	g := framebuffer.Geometry{Width: 160, Height: 96, Format: framebuffer.RGB565}
	mem := bytes.Repeat([]byte{0xaa}, 160*96*2)
	opened := 0
	svc := &fixedService{}
	var logs fbLog
	d := &fbDisplay{
		path: "/dev/fb-test", mode: render.ModeColor, svc: svc, loc: time.UTC,
		log:   slog.New(slog.NewTextHandler(&logs, nil)),
		state: &applianceState{dir: t.TempDir()},
		open: func(path string, o framebuffer.Options) (*framebuffer.Device, error) {
			opened++
			if o.Console == "" || !o.RestoreConsole {
				t.Errorf("the server must take the console and give it back: %+v", o)
			}
			return framebuffer.NewMemory(g, mem)
		},
	}
	frames0 := fbFrames.Get()
	runUntil(d, 10*time.Second, func() bool { return fbFrames.Get() >= frames0+2 })
	if fbFrames.Get() < frames0+2 {
		t.Fatalf("frames drawn: %d, want 2 within 10s; log:\n%s", fbFrames.Get()-frames0, logs.String())
	}
	if opened != 1 {
		t.Errorf("opened %d times", opened)
	}
	// The first frame covers the whole screen: no byte keeps its old value
	// pattern in every pixel.
	if bytes.Equal(mem, bytes.Repeat([]byte{0xaa}, len(mem))) {
		t.Error("nothing was written to the framebuffer")
	}
	// It is the frame the renderer draws for the same view.
	want, err := render.Render(screenView(service.WhatsNextResponse{NowISO: "2026-01-15T08:20:00Z"}, time.UTC),
		render.Options{Width: 160, Height: 96, Mode: render.ModeColor})
	if err != nil {
		t.Fatal(err)
	}
	exp := make([]byte, len(mem))
	g.Pack(exp, want, want.Bounds())
	if !bytes.Equal(mem, exp) {
		t.Error("the framebuffer holds something else than the rendered frame")
	}
	for _, s := range []string{"drawing the screen on the framebuffer", "160x96 RGB565", "first frame"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs.String())
		}
	}
}

func TestDisplayRetriesWhenDeviceMissing(t *testing.T) {
	var logs fbLog
	d := &fbDisplay{
		path: "/dev/fb9", svc: &fixedService{}, loc: time.UTC,
		log:   slog.New(slog.NewTextHandler(&logs, nil)),
		state: &applianceState{dir: t.TempDir()},
		open: func(path string, o framebuffer.Options) (*framebuffer.Device, error) {
			return nil, &os.PathError{Op: "open", Path: path, Err: os.ErrNotExist}
		},
	}
	// runUntil returns promptly although the retry wait is 30 s.
	runUntil(d, 5*time.Second, func() bool { return strings.Contains(logs.String(), "retrying in 30s") })
	if !strings.Contains(logs.String(), "/dev/fb9 does not exist") || !strings.Contains(logs.String(), "the web page and API keep working") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestApplianceState(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not on the appliance: nothing.
	if f := readApplianceState(dir); f.clockUnsynced || f.noNetwork || len(f.notices) != 0 {
		t.Errorf("no files: %+v", f)
	}
	write("clock.json", `{"state":"build-time-floor","plausible":false}`)
	write("network.json", `{"state":"down","addresses":{}}`)
	write("config.json", `{"path":"","source":"","ok":false,"mode":"sample","problems":["no calendarbot.toml found"]}`)
	f := readApplianceState(dir)
	if !f.clockUnsynced || !f.noNetwork || len(f.notices) != 1 || !strings.Contains(f.notices[0], "No calendarbot.toml on the SD card") {
		t.Errorf("Pi without config: %+v", f)
	}
	// A real-time clock makes the time plausible before NTP (QEMU).
	write("clock.json", `{"state":"unsynced","plausible":true}`)
	write("network.json", `{"state":"up","addresses":{"eth0":"10.0.2.15/24"}}`)
	write("config.json", `{"path":"/boot/calendarbot.toml","ok":false,"problems":["/boot/calendarbot.toml:1: tz: unknown time zone \"Europe/Berln\""]}`)
	f = readApplianceState(dir)
	if f.clockUnsynced || f.noNetwork || len(f.notices) != 2 || f.notices[1] != `calendarbot.toml:1: tz: unknown time zone "Europe/Berln"` {
		t.Errorf("invalid config: %+v", f)
	}
	// apply re-reads at most every few seconds.
	a := &applianceState{dir: dir}
	var v render.View
	now := time.Now()
	a.apply(&v, now)
	write("network.json", `{"state":"down"}`)
	var v2 render.View
	a.apply(&v2, now.Add(time.Second))
	if v2.NoNetwork {
		t.Error("re-read within 1s")
	}
	var v3 render.View
	a.apply(&v3, now.Add(applianceStateEvery))
	if !v3.NoNetwork || len(v3.Notices) != 2 {
		t.Errorf("not re-read after %s: %+v", applianceStateEvery, v3)
	}
}

func TestBootscreenCommand(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "boot.json")
	os.WriteFile(state, []byte(`{"steps":[{"name":"Drivers","state":"done","detail":"3 loaded"},{"name":"Settings","state":"failed"}],
		"error":"No calendarbot.toml on the SD card","hint":"Copy one","address":"http://10.0.2.15/"}`), 0o644)
	out := filepath.Join(dir, "boot.png")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bootscreen", "--state", state, "-o", out, "--w", "320", "--h", "200", "--step", "Network=running"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 200 {
		t.Fatalf("PNG: %v %v", err, img)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"bootscreen"}, exitUsage, "exactly one of --framebuffer"},
		{[]string{"bootscreen", "-o", out, "--step", "Clock=sleeping"}, exitUsage, "want NAME=STATE"},
		{[]string{"bootscreen", "-o", out, "--state", filepath.Join(dir, "missing.json")}, exitFailure, "state file"},
		{[]string{"bootscreen", "--framebuffer", state}, exitFailure, "not a framebuffer device"},
		{[]string{"bootscreen", "--framebuffer", filepath.Join(dir, "fb0")}, exitFailure, "no such file"},
	} {
		if runtime.GOOS != "linux" && tc.args[1] == "--framebuffer" {
			tc.msg = "only on Linux"
		}
		stderr.Reset()
		if code := run(context.Background(), tc.args, nil, io.Discard, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%q: exit %d, %q; want %d with %q", tc.args, code, stderr.String(), tc.code, tc.msg)
		}
	}
}

// BenchmarkFrameTick is one second of the display loop on an 800×480
// XRGB8888 framebuffer: draw the view a second later (only the countdowns
// change) and write the dirty rectangles.
func BenchmarkFrameTick(b *testing.B) {
	g := framebuffer.Geometry{Width: 800, Height: 480, Format: framebuffer.XRGB8888}
	dev, err := framebuffer.NewMemory(g, make([]byte, 800*480*4))
	if err != nil {
		b.Fatal(err)
	}
	screen, err := render.NewScreen(render.Options{Width: 800, Height: 480})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 8, 20, 0, 0, time.UTC)
	next := &render.Meeting{Subject: "Stand-up", Start: now.Add(10 * time.Minute), End: now.Add(25 * time.Minute)}
	cur := &render.Meeting{Subject: "Design review", Start: now.Add(-20 * time.Minute), End: now.Add(5 * time.Minute)}
	v := render.View{Now: now, Loc: time.UTC, Current: cur, Next: next, Loaded: true, UpdatedAt: now}
	f := screen.Draw(v)
	dev.Write(f.Image, f.Dirty)
	pixels := 0
	for i := 0; b.Loop(); i++ {
		v.Now = now.Add(time.Duration(i%50+1) * time.Second)
		f := screen.Draw(v)
		n, _ := dev.Write(f.Image, f.Dirty)
		pixels += n
	}
	b.ReportMetric(float64(pixels)/float64(b.N), "pixels/frame")
}

// A PNG client sees the appliance's problems as the HDMI screen does: a
// missing calendarbot.toml is a banner on /display.png too.
func TestScreenPNGShowsApplianceProblems(t *testing.T) {
	svc := service.New(service.Config{Location: time.UTC,
		Clock: func() time.Time { return time.Date(2026, 1, 15, 8, 20, 0, 0, time.UTC) }}, service.NewStore())
	o := render.Options{Width: 480, Height: 800}
	now := time.Date(2026, 1, 15, 8, 20, 0, 0, time.UTC)
	dir := t.TempDir()
	plain, err := screenPNG(context.Background(), svc, time.UTC, now, o, false, &applianceState{dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ok":false,"mode":"sample"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	warned, err := screenPNG(context.Background(), svc, time.UTC, now, o, false, &applianceState{dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(plain, warned) {
		t.Fatal("the PNG does not show the missing calendarbot.toml")
	}
	v := render.View{}
	(&applianceState{dir: dir}).apply(&v, now)
	if len(v.Notices) == 0 || !strings.Contains(v.Notices[0], "No calendarbot.toml on the SD card") {
		t.Fatalf("notices %q", v.Notices)
	}
}

// runUntil runs d's display loop until done reports true or timeout
// passes, then cancels it and waits for it to return.
func runUntil(d *fbDisplay, timeout time.Duration, done func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.run(ctx)
	}()
	for deadline := time.Now().Add(timeout); !done() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-stopped
}
