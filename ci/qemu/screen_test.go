package qemu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The virt machine's screen: QEMU's bochs-display with an 800×480
// preferred mode, driven in the guest by the bochs DRM driver whose
// fbdev emulation is /dev/fb0.
const screenW, screenH = 800, 480

func screenDevice() []string {
	return []string{"-device", fmt.Sprintf("bochs-display,romfile=,xres=%d,yres=%d", screenW, screenH)}
}

// qmp is a minimal QMP client: enough for screendump.
type qmp struct {
	conn net.Conn
	dec  *json.Decoder
}

func dialQMP(path string, timeout time.Duration) (*qmp, error) {
	var conn net.Conn
	var err error
	for deadline := time.Now().Add(timeout); ; {
		if conn, err = net.Dial("unix", path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
	q := &qmp{conn: conn, dec: json.NewDecoder(bufio.NewReader(conn))}
	var greeting map[string]any
	if err := q.dec.Decode(&greeting); err != nil {
		conn.Close()
		return nil, fmt.Errorf("QMP greeting: %w", err)
	}
	if err := q.do("qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

// do runs one command and waits for its answer, skipping events.
func (q *qmp) do(cmd string, args any) error {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	_ = q.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return err
	}
	for {
		var resp struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Class, Desc string
			} `json:"error"`
			Event string `json:"event"`
		}
		if err := q.dec.Decode(&resp); err != nil {
			return fmt.Errorf("QMP %s: %w", cmd, err)
		}
		switch {
		case resp.Error != nil:
			return fmt.Errorf("QMP %s: %s: %s", cmd, resp.Error.Class, resp.Error.Desc)
		case resp.Return != nil:
			return nil
		}
	}
}

// screendump asks QEMU for the screen (PPM: QEMU 7.2 also writes PNG with
// format=png, older ones only PPM) and decodes it.
func (q *qmp) screendump(path string) (*image.RGBA, error) {
	if err := q.do("screendump", map[string]any{"filename": path}); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodePPM(b)
}

func (q *qmp) Close() error { return q.conn.Close() }

// decodePPM reads a binary (P6) PPM with 8-bit samples.
func decodePPM(b []byte) (*image.RGBA, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	var fields []int
	magic := ""
	for len(fields) < 3 {
		var tok string
		if _, err := fmt.Fscan(r, &tok); err != nil {
			return nil, fmt.Errorf("PPM header: %w", err)
		}
		if strings.HasPrefix(tok, "#") {
			_, _ = r.ReadString('\n')
			continue
		}
		if magic == "" {
			magic = tok
			continue
		}
		n, err := strconv.Atoi(tok)
		if err != nil {
			return nil, fmt.Errorf("PPM header: %q", tok)
		}
		fields = append(fields, n)
	}
	if magic != "P6" || fields[2] != 255 {
		return nil, fmt.Errorf("not an 8-bit P6 PPM (%s, max %d)", magic, fields[2])
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace after the header
		return nil, err
	}
	w, h := fields[0], fields[1]
	pix := make([]byte, w*h*3)
	if _, err := io.ReadFull(r, pix); err != nil {
		return nil, fmt.Errorf("PPM pixels: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[i*4:], pix[i*3:i*3+3])
		img.Pix[i*4+3] = 0xff
	}
	return img, nil
}

// compareImages counts pixels whose channels differ by more than tol and
// returns a diff image: differing pixels in red over a dimmed copy of want.
func compareImages(got, want image.Image, tol int) (bad int, diff *image.RGBA) {
	b := want.Bounds()
	diff = image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA)
			w := color.RGBAModel.Convert(want.At(x, y)).(color.RGBA)
			if absDiff(g.R, w.R) > tol || absDiff(g.G, w.G) > tol || absDiff(g.B, w.B) > tol {
				bad++
				diff.SetRGBA(x, y, color.RGBA{0xff, 0, 0, 0xff})
			} else {
				diff.SetRGBA(x, y, color.RGBA{w.R / 4, w.G / 4, w.B / 4, 0xff})
			}
		}
	}
	return bad, diff
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// distinctColors counts the colours in img (up to max).
func distinctColors(img *image.RGBA, max int) int {
	seen := map[[3]byte]bool{}
	for i := 0; i+3 < len(img.Pix) && len(seen) < max; i += 4 {
		seen[[3]byte{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = true
	}
	return len(seen)
}

// artifactsDir is $ARTIFACTS_DIR, else ci/qemu/artifacts (git-ignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

func savePNG(t *testing.T, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(artifactsDir(t), name)
	f, err := os.Create(path)
	if err != nil {
		t.Errorf("saving %s: %v", name, err)
		return path
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Errorf("saving %s: %v", name, err)
	}
	return path
}

// bootScreenWatcher takes screen dumps while the guest boots, until the
// server reports its first frame, and keeps the last one that is not
// blank: the boot screen (checked against the server's frame later).
type bootScreenWatcher struct {
	dumps      []*image.RGBA
	when       []time.Duration
	firstFrame time.Duration // when the console reported the server's first frame
}

func (w *bootScreenWatcher) run(t *testing.T, q *qmp, console *syncBuffer, start time.Time, done <-chan struct{}) {
	dir := t.TempDir()
	for i := 0; ; i++ {
		select {
		case <-done:
			return
		default:
		}
		log := console.String()
		if strings.Contains(log, "display: first frame") {
			w.firstFrame = time.Since(start)
			return
		}
		// Until the server has opened the device (its first frame takes
		// a while to draw after that), only the boot screen draws.
		if strings.Contains(log, "screen: drawing the boot screen") && !strings.Contains(log, "display: drawing the screen") {
			img, err := q.screendump(filepath.Join(dir, fmt.Sprintf("boot%d.ppm", i)))
			if err == nil && distinctColors(img, 8) >= 4 {
				w.dumps = append(w.dumps, img)
				w.when = append(w.when, time.Since(start))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// firstFrameRE finds the server's log line for its first frame.
var firstFrameRE = regexp.MustCompile(`display: first frame" pixels=(\d+) took=(\S+)`)

// hostRender draws the screen on the host with `calendarbot render
// --ticking` (mm:ss countdowns, as the framebuffer shows them; /display.png
// words them to the minute for e-ink clients) for the given server flags.
func hostRender(t *testing.T, serverArgs []string) image.Image {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "calendarbot")
	build := exec.Command("go", "build", "-o", bin, "./server/cmd/calendarbot")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building calendarbot for the host: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "expected.png")
	args := append([]string{"render", "--ticking", "--w", strconv.Itoa(screenW), "--h", strconv.Itoa(screenH), "-o", out}, serverArgs...)
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("calendarbot %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkScreen compares the guest's screen with the renderer's drawing of
// the same view on the host (hostRender with the guest's feed and frozen
// clock): the framebuffer path (renderer → packing → mmap → DRM fbdev →
// QEMU) must not change a pixel. It also checks that /display.png of the
// guest has the screen's size. It retries while the data settles.
func checkScreen(t *testing.T, q *qmp, hostPort int, want image.Image, boot *bootScreenWatcher, console *syncBuffer) {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	dir := t.TempDir()
	var got *image.RGBA
	var bad int
	var diff *image.RGBA
	// At most 0.05 % of the pixels may differ by more than 2 per channel.
	const tol, maxBad = 2, screenW * screenH / 2000
	for attempt := 1; attempt <= 5; attempt++ {
		time.Sleep(1200 * time.Millisecond) // the server draws once a second
		var err error
		got, err = q.screendump(filepath.Join(dir, fmt.Sprintf("screen%d.ppm", attempt)))
		if err != nil {
			t.Fatalf("screendump: %v", err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("the screen is %v, the expected image %v", got.Bounds(), want.Bounds())
		}
		if bad, diff = compareImages(got, want, tol); bad <= maxBad {
			break
		}
	}
	if bad > maxBad {
		t.Errorf("the guest's screen differs from the host's render in %d of %d pixels (tolerance %d per channel, %d pixels); artifacts: %s, %s, %s",
			bad, screenW*screenH, tol, maxBad,
			savePNG(t, "virt-screen.png", got), savePNG(t, "virt-expected.png", want), savePNG(t, "virt-diff.png", diff))
	} else {
		t.Logf("the guest's screen matches the host's render (%dx%d, %d pixels off by more than %d): %s", screenW, screenH, bad, tol,
			savePNG(t, "virt-screen.png", got))
	}
	// The server's PNG for e-ink clients is the same screen at any size.
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/display.png?w=%d&h=%d", hostPort, screenW, screenH))
	if err != nil {
		t.Fatalf("GET /display.png: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if pimg, err := png.Decode(bytes.NewReader(body)); resp.StatusCode != 200 || err != nil || pimg.Bounds() != want.Bounds() {
		t.Errorf("GET /display.png: %s, %v", resp.Status, err)
	}
	// Frame cost in the emulator, from the server's metrics.
	if resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", hostPort)); err == nil {
		m, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		val := func(name string) float64 {
			re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`)
			if mm := re.FindSubmatch(m); mm != nil {
				v, _ := strconv.ParseFloat(string(mm[1]), 64)
				return v
			}
			return 0
		}
		frames, sum := val("calendarbot_framebuffer_frame_duration_seconds_count"), val("calendarbot_framebuffer_frame_duration_seconds_sum")
		if frames == 0 {
			t.Errorf("the server's metrics count no framebuffer frames")
		} else {
			t.Logf("frames drawn: %.0f, mean draw + write %.1f ms (first frame included), pixels written %.0f",
				frames, 1000*sum/frames, val("calendarbot_framebuffer_pixels_written_total"))
		}
		// Memory on the appliance is the whole system: the kernel, the
		// system unpacked in RAM and the server (drawing the screen here).
		const mib = 1 << 20
		rss, total, avail := val("process_resident_memory_bytes"), val("calendarbot_system_memory_total_bytes"), val("calendarbot_system_memory_available_bytes")
		// The binary's pages are shared memory here: the initramfs is a
		// RAM file system.
		anon := val("process_resident_memory_anon_bytes")
		t.Logf("guest memory: server RSS %.1f MiB (anonymous %.1f, the binary's pages %.1f, peak %.1f); system: %.0f of %.0f MiB available",
			rss/mib, anon/mib, (rss-anon)/mib, val("process_resident_memory_peak_bytes")/mib, avail/mib, total/mib)
		switch {
		case rss == 0 || total == 0:
			t.Errorf("the server's metrics lack its RSS or the system's memory")
		case avail < total/2:
			t.Errorf("only %.0f of %.0f MiB available with the server running: the system no longer fits a 512 MB Pi comfortably", avail/mib, total/mib)
		}
	}
	if distinctColors(got, 8) < 4 {
		t.Errorf("the screen is (nearly) one colour: nothing was drawn")
	}
	if m := firstFrameRE.FindStringSubmatch(console.String()); m != nil {
		t.Logf("server's first frame: %s pixels in %s (draw + write, in the emulator)", m[1], m[2])
	}

	// The boot screen was on the screen before the server's first frame.
	var shown *image.RGBA
	var seen []string
	for i, d := range boot.dumps {
		if n, _ := compareImages(d, got, tol); n > screenW*screenH/20 {
			shown = d
			seen = append(seen, boot.when[i].Round(100*time.Millisecond).String())
		}
	}
	if len(seen) > 0 {
		t.Logf("boot screen seen in %d dumps, %s to %s after QEMU started", len(seen), seen[0], seen[len(seen)-1])
	}
	if shown == nil {
		t.Errorf("no boot screen seen before the server's first frame (%d dumps with a picture)", len(boot.dumps))
	} else {
		savePNG(t, "virt-boot-screen.png", shown)
	}
}
