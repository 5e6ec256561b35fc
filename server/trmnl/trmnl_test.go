package trmnl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/render"
)

const (
	testToken = "0f3c9a5e7b2d4c6a8e1f3b5d7c9a2e4f"
	testMAC   = "A1:B2:C3:D4:E5:F6"
)

// recorded reads testdata/display-headers.txt: the headers a TRMNL sends.
func recorded(t *testing.T) http.Header {
	t.Helper()
	f, err := os.Open("testdata/display-headers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := http.Header{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		h.Set(k, v)
	}
	return h
}

// fixture is a Server with one device, a settable clock and a screen that
// changes when a meeting starts at 10:00.
type fixture struct {
	srv     *Server
	mu      sync.Mutex
	now     time.Time
	start   time.Time
	logs    *bytes.Buffer
	renders int
}

func newFixture(t *testing.T, devices ...Device) *fixture {
	t.Helper()
	f := &fixture{
		now:   time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC),
		start: time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC),
		logs:  &bytes.Buffer{},
	}
	if devices == nil {
		devices = []Device{{ID: "a1-b2-c3-d4-e5-f6", Token: testToken, Name: "Kitchen"}}
	}
	var logMu sync.Mutex
	srv, err := New(Options{
		Devices: devices,
		Refresh: 15 * time.Minute,
		Image: func(_ context.Context, w, h int, mode render.Mode) ([]byte, error) {
			f.mu.Lock()
			before := f.now.Before(f.start)
			f.renders++
			f.mu.Unlock()
			img := image.NewGray(image.Rect(0, 0, w, h))
			if !before {
				img.SetGray(1, 1, color.Gray{Y: 255})
			}
			var b bytes.Buffer
			err := png.Encode(&b, img)
			return b.Bytes(), err
		},
		NextChange: func(context.Context) (time.Time, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.now.Before(f.start) {
				return f.start, nil
			}
			return time.Time{}, nil
		},
		Clock: func() time.Time {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.now
		},
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{mu: &logMu, w: f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func do(t *testing.T, h http.Handler, method, target string, hdr http.Header, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = "192.168.1.77:51234"
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var m map[string]any
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, target, w.Body.String(), err)
		}
	}
	return w, m
}

func TestSetup(t *testing.T) {
	f := newFixture(t)
	w, m := do(t, f.srv.Setup(), "GET", "http://cal.local:8080/api/setup/", http.Header{"Id": {"a1:b2:c3:d4:e5:f6"}, "Fw-Version": {"1.6.9"}}, "")
	if w.Code != 200 || m["status"] != 200.0 || m["api_key"] != testToken || m["friendly_id"] != FriendlyID(testMAC) {
		t.Fatalf("setup: %d %v", w.Code, m)
	}
	if m["image_url"] != "http://cal.local:8080/api/trmnl/setup.bmp" || !strings.Contains(m["message"].(string), "Kitchen") {
		t.Errorf("setup: %v", m)
	}
	// Unknown device: HTTP 200 with status 404, so that the firmware
	// reads the message and shows it.
	before := rejectedUnknown.Get()
	w, m = do(t, f.srv.Setup(), "GET", "/api/setup", http.Header{"Id": {"00:11:22:33:44:55"}}, "")
	if w.Code != 200 || m["status"] != 404.0 || m["api_key"] != nil || !strings.Contains(m["message"].(string), "[[trmnl.device]]") {
		t.Errorf("unknown device: %d %v", w.Code, m)
	}
	if strings.Contains(w.Body.String(), "00:11:22") {
		t.Errorf("answer echoes the MAC: %s", w.Body.String())
	}
	if rejectedUnknown.Get() != before+1 {
		t.Errorf("rejected counter %d, want %d", rejectedUnknown.Get(), before+1)
	}
}

func TestDisplayRecordedHeaders(t *testing.T) {
	f := newFixture(t)
	w, m := do(t, f.srv.Display(), "GET", "http://192.168.1.20/api/display", recorded(t), "")
	if w.Code != 200 {
		t.Fatalf("display: %d %s", w.Code, w.Body.String())
	}
	if m["status"] != 0.0 || m["reset_firmware"] != false || m["update_firmware"] != false ||
		m["firmware_url"] != nil || m["special_function"] != "sleep" {
		t.Errorf("display: %v", m)
	}
	url := m["image_url"].(string)
	if !strings.HasPrefix(url, "http://192.168.1.20/display.png?") || !strings.Contains(url, "w=800") ||
		!strings.Contains(url, "h=480") || !strings.Contains(url, "mode=mono") || strings.Contains(url, `\u0026`) {
		t.Errorf("image_url %q", url)
	}
	if !strings.Contains(w.Body.String(), "&") {
		t.Errorf("image_url's & is escaped: %s", w.Body.String())
	}
	// 09:00, meeting at 10:00: the configured 15 minutes stand.
	if m["refresh_rate"] != 900.0 {
		t.Errorf("refresh_rate %v, want 900", m["refresh_rate"])
	}
	st := f.srv.Statuses()[0]
	if st.Name != "Kitchen" || *st.BatteryVolts != 4.12 || *st.RSSI != -54 || st.Firmware != "1.6.9" || st.Model != "og" ||
		st.Width != 800 || st.Height != 480 || st.LastSeenISO != "2026-03-09T09:00:00Z" {
		t.Errorf("status %+v", st)
	}
	var prom bytes.Buffer
	metrics.WritePrometheus(&prom, false)
	for _, want := range []string{
		`calendarbot_trmnl_battery_volts{device="Kitchen"} 4.12`,
		`calendarbot_trmnl_rssi_dbm{device="Kitchen"} -54`,
		`calendarbot_trmnl_firmware_version{device="Kitchen"} 10609`,
	} {
		if !strings.Contains(prom.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(prom.String(), "A1:B2") || strings.Contains(prom.String(), testToken) {
		t.Error("metrics show the MAC or token")
	}
}

func TestDisplayDeviceSize(t *testing.T) {
	f := newFixture(t)
	h := recorded(t)
	h.Set("Width", "1872")
	h.Set("Height", "1404")
	_, m := do(t, f.srv.Display(), "GET", "/api/display", h, "")
	if u := m["image_url"].(string); !strings.Contains(u, "w=1872") || !strings.Contains(u, "h=1404") {
		t.Errorf("image_url %q for a 1872×1404 device", u)
	}
	for _, bad := range [][2]string{{"99999", "480"}, {"-800", "480"}, {"800", "abc"}, {"", ""}} {
		h.Set("Width", bad[0])
		h.Set("Height", bad[1])
		f := newFixture(t)
		_, m := do(t, f.srv.Display(), "GET", "/api/display", h, "")
		if u := m["image_url"].(string); !strings.Contains(u, "w=800") || !strings.Contains(u, "h=480") {
			t.Errorf("Width %q Height %q: image_url %q, want the 800×480 default", bad[0], bad[1], u)
		}
	}
}

// TestFilenameAndRefresh: the filename changes exactly when the image
// does (the clock passing the meeting's start), and the sleep is
// shortened to wake just after it.
func TestFilenameAndRefresh(t *testing.T) {
	f := newFixture(t)
	get := func(at time.Time) map[string]any {
		f.set(at)
		w, m := do(t, f.srv.Display(), "GET", "/api/display", recorded(t), "")
		if w.Code != 200 {
			t.Fatalf("%v: %d", at, w.Code)
		}
		return m
	}
	day := func(h, m, s int) time.Time { return time.Date(2026, 3, 9, h, m, s, 0, time.UTC) }
	a := get(day(9, 0, 0))
	b := get(day(9, 50, 10))
	if a["filename"] != b["filename"] {
		t.Errorf("filename changed without the image changing: %v → %v", a["filename"], b["filename"])
	}
	if b["refresh_rate"] != 600.0-10+30 {
		t.Errorf("09:50:10, meeting at 10:00: refresh_rate %v, want 620 (start + 30 s)", b["refresh_rate"])
	}
	c := get(day(9, 59, 50))
	if c["refresh_rate"] != 60.0 {
		t.Errorf("10 s before the start: refresh_rate %v, want the 60 s minimum", c["refresh_rate"])
	}
	d := get(day(10, 0, 5))
	if d["filename"] == c["filename"] {
		t.Errorf("filename unchanged after the meeting started: %v", d["filename"])
	}
	if d["refresh_rate"] != 900.0 {
		t.Errorf("nothing scheduled: refresh_rate %v, want the configured 900", d["refresh_rate"])
	}
	e := get(day(10, 7, 0))
	if e["filename"] != d["filename"] {
		t.Errorf("filename changed without the image changing: %v → %v", d["filename"], e["filename"])
	}
}

func TestRejected(t *testing.T) {
	f := newFixture(t)
	h := recorded(t)
	h.Set("Access-Token", "wrong-token-0000000000000000")
	before := rejectedToken.Get()
	w, m := do(t, f.srv.Display(), "GET", "/api/display", h, "")
	if w.Code != 401 || !strings.Contains(m["error"].(string), "Access-Token") {
		t.Errorf("wrong token: %d %v", w.Code, m)
	}
	h.Del("Access-Token")
	if w, _ := do(t, f.srv.Display(), "GET", "/api/display", h, ""); w.Code != 401 {
		t.Errorf("no token: %d", w.Code)
	}
	if rejectedToken.Get() != before+2 {
		t.Errorf("bad_token counter %d, want %d", rejectedToken.Get(), before+2)
	}
	h = recorded(t)
	h.Set("ID", "00:11:22:33:44:55")
	if w, m := do(t, f.srv.Display(), "GET", "/api/display", h, ""); w.Code != 404 || !strings.Contains(m["error"].(string), "[[trmnl.device]]") {
		t.Errorf("unknown device: %d %v", w.Code, m)
	}
	h.Set("ID", "garbage")
	if w, _ := do(t, f.srv.Display(), "GET", "/api/display", h, ""); w.Code != 404 {
		t.Errorf("garbage ID: %d", w.Code)
	}
	// Without an ID header the token alone identifies the device.
	h.Del("ID")
	if w, _ := do(t, f.srv.Display(), "GET", "/api/display", h, ""); w.Code != 200 {
		t.Errorf("token only: %d", w.Code)
	}
	if f.renders != 1 {
		t.Errorf("rejected requests rendered: %d renders", f.renders)
	}
}

func TestDisabled(t *testing.T) {
	srv, err := New(Options{Image: func(context.Context, int, int, render.Mode) ([]byte, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Handler{srv.Display(), srv.Log()} {
		w, m := do(t, h, "GET", "/api/display", recorded(t), "{}")
		if w.Code != 404 || !strings.Contains(m["error"].(string), "[[trmnl.device]]") {
			t.Errorf("disabled: %d %v", w.Code, m)
		}
	}
	_, m := do(t, srv.Setup(), "GET", "/api/setup", recorded(t), "")
	if m["status"] != 404.0 || !strings.Contains(m["message"].(string), "not enabled") {
		t.Errorf("disabled setup: %v", m)
	}
}

func TestNewRejectsBadDevices(t *testing.T) {
	img := func(context.Context, int, int, render.Mode) ([]byte, error) { return nil, nil }
	for _, devs := range [][]Device{
		{{ID: "xx", Token: testToken}},
		{{ID: testMAC, Token: "short"}},
		{{ID: testMAC, Token: testToken}, {ID: strings.ToLower(testMAC), Token: testToken + "x"}},
	} {
		if _, err := New(Options{Devices: devs, Image: img}); err == nil {
			t.Errorf("New(%v): no error", devs)
		} else if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "A1:B2") {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

// TestLogAndNoSecrets posts a recorded log upload and checks that the
// whole flow's log names the device but never shows its token or MAC.
func TestLogAndNoSecrets(t *testing.T) {
	f := newFixture(t)
	body, err := os.ReadFile("testdata/log.json")
	if err != nil {
		t.Fatal(err)
	}
	do(t, f.srv.Setup(), "GET", "/api/setup", recorded(t), "")
	do(t, f.srv.Display(), "GET", "/api/display", recorded(t), "")
	w, _ := do(t, f.srv.Log(), "POST", "/api/log", recorded(t), string(body))
	if w.Code != http.StatusNoContent {
		t.Fatalf("log: %d %s", w.Code, w.Body.String())
	}
	bad := recorded(t)
	bad.Set("Access-Token", "wrong-token-0000000000000000")
	do(t, f.srv.Log(), "POST", "/api/log", bad, string(body))
	if w, _ := do(t, f.srv.Log(), "POST", "/api/log", recorded(t), "not json"); w.Code != 400 {
		t.Errorf("garbage log: %d", w.Code)
	}
	if w, _ := do(t, f.srv.Log(), "POST", "/api/log", recorded(t), `{"log":{"logs_array":[`+strings.Repeat(`{"log_message":"x"},`, 5000)+`{}]}}`); w.Code != 413 {
		t.Errorf("huge log: %d", w.Code)
	}
	out := f.logs.String()
	for _, want := range []string{"device=Kitchen", "HTTPS returned code is not OK. Code: 503", "source=src/bl.cpp:671", "battery_voltage=4.11", "rssi=-71", "fw=1.6.9"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testToken, testMAC, strings.ToLower(testMAC), "A1-B2"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %q:\n%s", secret, out)
		}
	}
}

func TestSetupImageBMP(t *testing.T) {
	f := newFixture(t)
	w, _ := do(t, f.srv.SetupImage(), "GET", "/api/trmnl/setup.bmp", nil, "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/bmp" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	b := w.Body.Bytes()
	// What the firmware checks: exactly 62 + 800×480/8 bytes, 1 bit, bottom-up.
	if len(b) != 48062 || string(b[:2]) != "BM" || b[28] != 1 || int32(uint32(b[22])|uint32(b[23])<<8) != 480 {
		t.Errorf("BMP: %d bytes, header % x", len(b), b[:40])
	}
}

func TestBaseURL(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		host, proto, remote, want string
	}{
		{"cal.local:8080", "", "192.168.1.77:1", "http://cal.local:8080/display.png"},
		{"[fd00::1]:80", "", "192.168.1.77:1", "http://[fd00::1]:80/display.png"},
		{"cal.example.com", "https", "127.0.0.1:5", "https://cal.example.com/display.png"},
		{"cal.example.com", "https", "192.168.1.77:1", "http://cal.example.com/display.png"}, // not from our proxy
		{"evil.com/x?y=", "", "192.168.1.77:1", ""},
		{"user@evil.com", "", "192.168.1.77:1", ""},
	} {
		r := httptest.NewRequest("GET", "/api/display", nil)
		r.Host, r.RemoteAddr = tc.host, tc.remote
		for k, v := range recorded(t) {
			r.Header[k] = v
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		w := httptest.NewRecorder()
		f.srv.Display().ServeHTTP(w, r)
		if tc.want == "" {
			if w.Code != 400 || !strings.Contains(w.Body.String(), "base_url") {
				t.Errorf("Host %q: %d %s, want 400 naming base_url", tc.host, w.Code, w.Body.String())
			}
			continue
		}
		if !strings.Contains(w.Body.String(), `"image_url":"`+tc.want+"?") {
			t.Errorf("Host %q proto %q from %s: %s", tc.host, tc.proto, tc.remote, w.Body.String())
		}
	}
	srv, err := New(Options{Devices: []Device{{ID: testMAC, Token: testToken}}, BaseURL: "https://cal.example.com/cb/",
		Image: func(context.Context, int, int, render.Mode) ([]byte, error) { return []byte("png"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, m := do(t, srv.Display(), "GET", "/api/display", recorded(t), "")
	if u := m["image_url"].(string); !strings.HasPrefix(u, "https://cal.example.com/cb/display.png?") {
		t.Errorf("with base_url: %q", u)
	}
	for _, bad := range []string{"cal.example.com", "ftp://x", "https://u:p@x", "https://x/?q=1"} {
		if _, err := ParseBaseURL(bad); err == nil {
			t.Errorf("ParseBaseURL(%q): no error", bad)
		}
	}
}

func TestNormalizeMAC(t *testing.T) {
	for in, want := range map[string]string{"a1:b2:c3:d4:e5:f6": testMAC, "A1-B2-C3-D4-E5-F6": testMAC, " a1b2.c3d4.e5f6 ": testMAC} {
		if got, ok := NormalizeMAC(in); !ok || got != want {
			t.Errorf("NormalizeMAC(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "a1:b2:c3", "zz:b2:c3:d4:e5:f6", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01"} {
		if _, ok := NormalizeMAC(in); ok {
			t.Errorf("NormalizeMAC(%q) accepted", in)
		}
	}
}

// With enrolment off, even a configured MAC gets no token (a MAC is no
// secret), and the device is told why on its screen; devices already set
// up keep working.
func TestSetupOff(t *testing.T) {
	f := newFixture(t)
	f.srv.o.SetupOff = true
	before := rejectedSetupOff.Get()
	w, m := do(t, f.srv.Setup(), "GET", "/api/setup", http.Header{"Id": {testMAC}}, "")
	if w.Code != 200 || m["status"] != 403.0 || m["api_key"] != nil || !strings.Contains(m["message"].(string), "[trmnl] setup = false") {
		t.Fatalf("setup with enrolment off: %d %v", w.Code, m)
	}
	if strings.Contains(w.Body.String(), testToken) {
		t.Fatal("token handed out with enrolment off")
	}
	if rejectedSetupOff.Get() != before+1 {
		t.Errorf("rejected counter %d, want %d", rejectedSetupOff.Get(), before+1)
	}
	if w, m := do(t, f.srv.Display(), "GET", "http://192.168.1.20/api/display", recorded(t), ""); w.Code != 200 || m["status"] != 0.0 {
		t.Errorf("an enrolled device stopped working: %d %v", w.Code, m)
	}
}
