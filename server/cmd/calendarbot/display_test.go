package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const dpToken = "0f3c9a5e7b2d4c6a8e1f3b5d7c9a2e4f"

// dpConfig writes a calendar with a meeting 10:00–10:30Z and a config
// admitting one TRMNL.
func dpConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calendarbot//display test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:review@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260309T100000Z\r\nDTEND:20260309T103000Z\r\nSUMMARY:Design review\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if err := os.WriteFile(filepath.Join(dir, "work.ics"), []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `listen = "127.0.0.1:0"
tz = "Europe/Berlin"
[[feed]]
name = "Work"
url = "work.ics"
[trmnl]
refresh = "15m"
[[trmnl.device]]
id = "A1:B2:C3:D4:E5:F6"
token = "` + dpToken + `"
name = "Kitchen"
`
	p := filepath.Join(dir, "calendarbot.toml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// dpLoaded waits for the first refresh: before it the screen says
// "not loaded yet".
func dpLoaded(t *testing.T, s *svServer) {
	t.Helper()
	svWaitFor(t, "first refresh", 10*time.Second, func() bool {
		code, _ := s.get(t, "/api/health")
		return code == 200
	})
}

func dpDisplay(t *testing.T, s *svServer) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+"/api/display", nil)
	for k, v := range map[string]string{"User-Agent": "ESP32HTTPClient", "ID": "a1:b2:c3:d4:e5:f6", "Access-Token": dpToken,
		"Refresh-Rate": "900", "Battery-Voltage": "4.12", "FW-Version": "1.6.9", "RSSI": "-54", "Width": "800", "Height": "480", "Model": "og"} {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/api/display: %d %v", resp.StatusCode, err)
	}
	return m
}

// TestServeTRMNL runs the server with a TRMNL configured at three frozen
// clocks: two in the same minute before a meeting, one after it started.
func TestServeTRMNL(t *testing.T) {
	svClearEnv(t)
	cfg := dpConfig(t)
	start := func(now string) *svServer {
		s := svStart(t, "trmnl "+now, "--config", cfg, "--now", now)
		dpLoaded(t, s)
		return s
	}
	a := start("2026-03-09T09:58:00Z")
	ma := dpDisplay(t, a)
	if ma["status"] != 0.0 || ma["reset_firmware"] != false || ma["refresh_rate"] != 150.0 {
		t.Errorf("09:58, meeting at 10:00: %v (want status 0, refresh 120 s + 30 s)", ma)
	}
	// What the device does next: fetch image_url.
	resp, err := a.client.Get(ma["image_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Content-Length") == "" {
		t.Fatalf("image: %d %v", resp.StatusCode, resp.Header)
	}
	if len(img) >= 90_000 {
		t.Errorf("TRMNL image is %d bytes; the firmware takes less than 90 KB", len(img))
	}
	if len(img) > 48062 {
		t.Logf("TRMNL image is %d bytes: firmware before 1.6 only takes 48,062", len(img))
	}
	cfgPNG, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfgPNG.Width != 800 || cfgPNG.Height != 480 || img[24] != 1 {
		t.Errorf("image: %v %+v bit depth %d, want 800×480 1-bit", err, cfgPNG, img[24])
	}
	t.Logf("TRMNL 800×480 mono PNG: %d bytes", len(img))

	b := start("2026-03-09T09:58:40Z")
	mb := dpDisplay(t, b)
	if mb["filename"] != ma["filename"] {
		t.Errorf("filename changed within one minute: %v → %v", ma["filename"], mb["filename"])
	}
	c := start("2026-03-09T10:00:30Z")
	mc := dpDisplay(t, c)
	if mc["filename"] == ma["filename"] {
		t.Errorf("filename unchanged after the meeting started: %v", mc["filename"])
	}
	if mc["refresh_rate"] != 900.0 {
		// The meeting ends at 10:30, 29.5 min away: the configured 15 min stand.
		t.Errorf("10:00:30: refresh_rate %v, want 900", mc["refresh_rate"])
	}
	for _, s := range []*svServer{a, b, c} {
		if out := s.stderr.String(); strings.Contains(out, dpToken) || strings.Contains(out, "A1:B2") || strings.Contains(strings.ToUpper(out), "A1:B2") {
			t.Errorf("server log shows the token or MAC:\n%s", out)
		}
	}
	code, body := a.get(t, "/api/health")
	var h struct {
		Devices []struct {
			Name    string  `json:"name"`
			Battery float64 `json:"battery_voltage"`
			RSSI    int     `json:"rssi"`
			FW      string  `json:"firmware_version"`
		} `json:"trmnl_devices"`
	}
	if err := json.Unmarshal(body, &h); err != nil || code != 200 || len(h.Devices) != 1 || h.Devices[0].Name != "Kitchen" ||
		h.Devices[0].Battery != 4.12 || h.Devices[0].RSSI != -54 || h.Devices[0].FW != "1.6.9" || strings.Contains(string(body), dpToken) {
		t.Errorf("/api/health: %d %s", code, body)
	}
	code, body = a.get(t, "/metrics")
	if code != 200 || !strings.Contains(string(body), `calendarbot_trmnl_battery_volts{device="Kitchen"} 4.12`) ||
		!strings.Contains(string(body), "calendarbot_display_render_duration_seconds") {
		t.Errorf("metrics lack the TRMNL gauges or the render duration")
	}
}

// TestRenderMatchesDisplayPNG: the render command and /display.png draw
// the same bytes for the same clock (a whole minute), so either can be
// the reference for the framebuffer.
func TestRenderMatchesDisplayPNG(t *testing.T) {
	svClearEnv(t)
	cfg := dpConfig(t)
	const now = "2026-03-09T09:58:00Z"
	out := filepath.Join(t.TempDir(), "screen.png")
	r := xRun(t, "", "render", "--config", cfg, "--now", now, "--w", "600", "--h", "800", "--mode", "gray", "-o", out)
	if r.code != exitOK {
		t.Fatalf("render: exit %d: %s", r.code, r.stderr)
	}
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := svStart(t, "render", "--config", cfg, "--now", now)
	dpLoaded(t, s)
	code, served := s.get(t, "/display.png?w=600&h=800&mode=gray")
	if code != 200 || !bytes.Equal(file, served) {
		t.Errorf("render (%d bytes) and /display.png (%d, %d bytes) differ", len(file), code, len(served))
	}
	// Standard output, and the [display] settings as defaults.
	r = xRun(t, "", "render", "--sample", "--now", now, "--rotate", "90", "--display-mode", "mono", "-o", "-")
	c, err := png.DecodeConfig(strings.NewReader(r.stdout))
	if r.code != exitOK || err != nil || c.Width != 480 || c.Height != 800 || r.stdout[24] != 1 {
		t.Errorf("render -o -: exit %d, %v, %+v: %s", r.code, err, c, r.stderr)
	}
	for _, bad := range [][]string{
		{"render", "--sample"},                               // no -o
		{"render", "--sample", "--w", "10", "-o", "-"},       // too small
		{"render", "--sample", "--mode", "sepia", "-o", "-"}, // bad mode
		{"render", "--bogus", "-o", "-"},
	} {
		if r := xRun(t, "", bad...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, r.code, exitUsage, r.stderr)
		}
	}
}
