// Package trmnl serves the TRMNL "bring your own server" (BYOS) device API,
// so a TRMNL e-ink device shows CalendarBot's screen with its stock
// firmware:
//
//	GET  /api/setup    header ID (MAC) → the device's api_key and friendly_id
//	GET  /api/display  headers ID, Access-Token, Battery-Voltage, RSSI, ...
//	                   → image_url, filename, refresh_rate
//	POST /api/log      the device's stored log entries
//
// Only devices listed in the configuration are admitted: the server never
// enrols a device by itself. The protocol follows the open-source firmware
// (github.com/usetrmnl/firmware): /api/display answers "status": 0 on
// success, the device downloads image_url only when filename differs from
// the one it shows, and it sleeps refresh_rate seconds.
//
// The package knows nothing about calendars: Options.Image produces the
// PNG and Options.NextChange says when the screen next changes.
package trmnl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/render"
)

// Protocol constants and limits.
const (
	// DefaultRefresh is the longest a device sleeps between two wakes.
	DefaultRefresh = 5 * time.Minute
	// MinRefresh is the shortest: each wake costs the battery a Wi-Fi
	// connection and two requests.
	MinRefresh = time.Minute
	// WakeMargin is added to the time of the next change so that the
	// device wakes just after it, not a moment before with its clock
	// drifting, and finds the new screen.
	WakeMargin = 30 * time.Second
	// The TRMNL OG panel, used when the device does not say its size.
	DefaultWidth, DefaultHeight = 800, 480
	// MaxSide bounds the Width and Height headers we trust (TRMNL X is
	// 1872×1404).
	MaxSide = 2048
	// MinTokenLength is the shortest accepted Access-Token.
	MinTokenLength = 16
	// MaxLogEntries is how many entries of one POST /api/log are logged
	// one by one; the rest are counted.
	MaxLogEntries = 50
	// MaxLogBytes bounds the body of POST /api/log.
	MaxLogBytes = 64 << 10
)

// Device is one TRMNL allowed to use the API.
type Device struct {
	ID    string // MAC address: any case, ':' or '-' separators
	Token string // its Access-Token (secret)
	Name  string // for logs and metrics; "" means "TRMNL-" + friendly ID
}

// ImageFunc returns the screen as PNG for a w×h panel in mode.
type ImageFunc func(ctx context.Context, w, h int, mode render.Mode) ([]byte, error)

// Options configure a Server.
type Options struct {
	Devices []Device
	// Refresh is the longest sleep asked of a device; 0: DefaultRefresh.
	Refresh time.Duration
	// BaseURL, e.g. "https://calendar.example.com/cb", prefixes the
	// image URLs handed to devices. "": derived from the request's Host
	// (scheme https only for TLS, or X-Forwarded-Proto: https from a
	// proxy on loopback).
	BaseURL string
	// SetupOff makes /api/setup refuse every device: a MAC address is no
	// secret, so once the devices are enrolled their tokens should not
	// be handed out again.
	SetupOff bool
	// ImagePath serves ImageFunc's PNG given w, h and mode=mono
	// parameters; "" means "/display.png".
	ImagePath string
	// SetupImagePath serves Server.SetupImage; "" means
	// "/api/trmnl/setup.bmp".
	SetupImagePath string
	Image          ImageFunc // required
	// NextChange returns when the screen next changes (a meeting starts
	// or ends); the zero time: nothing scheduled. nil: never shortened.
	NextChange func(ctx context.Context) (time.Time, error)
	Clock      func() time.Time
	Logger     *slog.Logger
}

// Server implements the device API. Its handlers are safe for concurrent use.
type Server struct {
	o       Options
	devices []*device
	byID    map[string]*device
	base    *url.URL // nil: from the request
}

// Status is what a device reported at its last contact, for /api/health.
// It names the device by its configured name, never by MAC or token.
type Status struct {
	Name         string   `json:"name"`
	FriendlyID   string   `json:"friendly_id"`
	LastSeenISO  string   `json:"last_seen_iso,omitempty"`
	BatteryVolts *float64 `json:"battery_voltage,omitempty"`
	RSSI         *int     `json:"rssi,omitempty"`
	Firmware     string   `json:"firmware_version,omitempty"`
	Model        string   `json:"model,omitempty"`
	Width        int      `json:"width,omitempty"`
	Height       int      `json:"height,omitempty"`
}

type device struct {
	mac       string // normalised: "A1:B2:C3:D4:E5:F6"
	name      string
	friendly  string
	tokenHash [sha256.Size]byte
	token     string // only to scrub it from the device's own log messages

	mu   sync.Mutex
	last Status

	battery, rssi, seen, fw *metrics.Gauge
}

var (
	rejectedUnknown  = metrics.NewCounter(`calendarbot_trmnl_rejected_total{reason="unknown_device"}`)
	rejectedToken    = metrics.NewCounter(`calendarbot_trmnl_rejected_total{reason="bad_token"}`)
	rejectedDisabled = metrics.NewCounter(`calendarbot_trmnl_rejected_total{reason="disabled"}`)
	rejectedSetupOff = metrics.NewCounter(`calendarbot_trmnl_rejected_total{reason="setup_off"}`)
	logEntries       = metrics.NewCounter(`calendarbot_trmnl_log_entries_total`)
)

// NormalizeMAC returns a 6-byte MAC address in upper case with colons.
func NormalizeMAC(s string) (string, bool) {
	hw, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(hw) != 6 {
		return "", false
	}
	return strings.ToUpper(hw.String()), true
}

// FriendlyID is the short ID shown on the device's screen: derived from
// the MAC by a hash, so it identifies the device without revealing it.
func FriendlyID(mac string) string {
	sum := sha256.Sum256([]byte("calendarbot-trmnl:" + mac))
	return strings.ToUpper(hex.EncodeToString(sum[:3]))
}

// New checks o and returns a Server. With no devices every endpoint
// answers that TRMNL support is off and how to turn it on.
func New(o Options) (*Server, error) {
	if o.Image == nil {
		return nil, errors.New("trmnl: Options.Image is required")
	}
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Refresh < MinRefresh {
		o.Refresh = MinRefresh
	}
	if o.ImagePath == "" {
		o.ImagePath = "/display.png"
	}
	if o.SetupImagePath == "" {
		o.SetupImagePath = "/api/trmnl/setup.bmp"
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, byID: map[string]*device{}}
	if o.BaseURL != "" {
		u, err := ParseBaseURL(o.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("trmnl: base URL: %w", err)
		}
		s.base = u
	}
	for i, d := range o.Devices {
		mac, ok := NormalizeMAC(d.ID)
		if !ok {
			return nil, fmt.Errorf("trmnl: device #%d: id is not a MAC address", i+1)
		}
		if _, dup := s.byID[mac]; dup {
			return nil, fmt.Errorf("trmnl: device #%d: the same MAC address is configured twice", i+1)
		}
		if len(d.Token) < MinTokenLength {
			return nil, fmt.Errorf("trmnl: device #%d: token shorter than %d characters", i+1, MinTokenLength)
		}
		dev := &device{mac: mac, name: d.Name, friendly: FriendlyID(mac), tokenHash: sha256.Sum256([]byte(d.Token)), token: d.Token}
		if dev.name == "" {
			dev.name = "TRMNL-" + dev.friendly
		}
		label := `{device=` + strconv.Quote(dev.name) + `}`
		dev.battery = metrics.GetOrCreateGauge(`calendarbot_trmnl_battery_volts`+label, nil)
		dev.rssi = metrics.GetOrCreateGauge(`calendarbot_trmnl_rssi_dbm`+label, nil)
		dev.seen = metrics.GetOrCreateGauge(`calendarbot_trmnl_last_contact_timestamp_seconds`+label, nil)
		dev.fw = metrics.GetOrCreateGauge(`calendarbot_trmnl_firmware_version`+label, nil)
		dev.last = Status{Name: dev.name, FriendlyID: dev.friendly}
		s.devices = append(s.devices, dev)
		s.byID[mac] = dev
	}
	return s, nil
}

// ParseBaseURL checks a base URL for image links: absolute http or https,
// a host, no user info, query or fragment. The trailing slash is dropped.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want an absolute http:// or https:// URL such as https://calendar.example.com")
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, errors.New("must not contain user info, a query or a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Enabled reports whether any device is configured.
func (s *Server) Enabled() bool { return len(s.devices) > 0 }

// Statuses returns every configured device's last contact, in
// configuration order.
func (s *Server) Statuses() []Status {
	out := make([]Status, 0, len(s.devices))
	for _, d := range s.devices {
		d.mu.Lock()
		out = append(out, d.last)
		d.mu.Unlock()
	}
	return out
}

// disabledMsg tells the owner how to turn the API on.
const disabledMsg = "TRMNL devices are not enabled on this CalendarBot server: add a [[trmnl.device]] table " +
	"with id (the device's MAC address) and token (16 or more random characters) to calendarbot.toml and restart"

// Setup answers GET /api/setup: a configured device's MAC gets its token
// (api_key) and friendly ID. Unknown devices get "status": 404 in an HTTP
// 200 answer: the firmware reads the JSON only from a 200, and then shows
// the message on its screen, which is where the owner is looking.
func (s *Server) Setup() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		type answer struct {
			Status     int     `json:"status"`
			APIKey     *string `json:"api_key"`
			FriendlyID *string `json:"friendly_id"`
			ImageURL   *string `json:"image_url"`
			Message    string  `json:"message"`
		}
		if !s.Enabled() {
			rejectedDisabled.Inc()
			writeJSON(w, http.StatusOK, answer{Status: http.StatusNotFound, Message: disabledMsg})
			return
		}
		mac, ok := NormalizeMAC(r.Header.Get("ID"))
		if s.o.SetupOff {
			rejectedSetupOff.Inc()
			s.o.Logger.Info("trmnl: setup refused: enrolment is off", "friendly_id", friendlyOrNone(mac, ok))
			writeJSON(w, http.StatusOK, answer{Status: http.StatusForbidden,
				Message: "Setting up devices is turned off on this CalendarBot server ([trmnl] setup = false). Set it to true and restart the server to set this device up again."})
			return
		}
		d := s.byID[mac]
		if !ok || d == nil {
			rejectedUnknown.Inc()
			s.o.Logger.Info("trmnl: setup from an unknown device", "friendly_id", friendlyOrNone(mac, ok))
			writeJSON(w, http.StatusOK, answer{Status: http.StatusNotFound,
				Message: "This device is not configured on this CalendarBot server. Add its MAC address as id of a [[trmnl.device]] in calendarbot.toml, with a token, and restart the server."})
			return
		}
		base, err := s.baseURL(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, answer{Status: http.StatusBadRequest, Message: err.Error()})
			return
		}
		s.contact(d, r)
		s.o.Logger.Info("trmnl: device set up", "device", d.name, "friendly_id", d.friendly)
		img := base + s.o.SetupImagePath
		token, friendly := d.token, d.friendly
		writeJSON(w, http.StatusOK, answer{Status: http.StatusOK, APIKey: &token, FriendlyID: &friendly, ImageURL: &img,
			Message: "Connected to CalendarBot as " + d.name})
	})
}

// Display answers GET /api/display: where the current screen is, its
// filename (which changes exactly when the image does, so the device
// redraws only then) and how long to sleep.
func (s *Server) Display() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		st := s.contact(d, r)
		base, err := s.baseURL(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, err.Error()))
			return
		}
		wd, ht := st.Width, st.Height
		if wd == 0 || ht == 0 {
			wd, ht = DefaultWidth, DefaultHeight
		}
		body, err := s.o.Image(r.Context(), wd, ht, render.ModeMono)
		if err != nil {
			s.o.Logger.Warn("trmnl: drawing the screen failed", "device", d.name, "err", err)
			// 503, never a JSON status of 500: the firmware answers that
			// by wiping its credentials.
			w.Header().Set("Retry-After", "30")
			writeJSON(w, http.StatusServiceUnavailable, errorBody(http.StatusServiceUnavailable, "the screen could not be drawn; the device will retry"))
			return
		}
		sum := sha256.Sum256(body)
		id := hex.EncodeToString(sum[:8])
		q := url.Values{"w": {strconv.Itoa(wd)}, "h": {strconv.Itoa(ht)}, "mode": {"mono"}, "v": {id}}
		refresh := s.refresh(r.Context())
		writeJSON(w, http.StatusOK, map[string]any{
			"status": 0, // the firmware's "OK"
			// v= makes each image's URL unique (no proxy can serve an
			// old one); the server ignores it.
			"image_url":        base + s.o.ImagePath + "?" + q.Encode(),
			"filename":         "calendarbot-" + id + ".png",
			"refresh_rate":     int(refresh / time.Second),
			"reset_firmware":   false, // never: it would wipe the device's credentials
			"update_firmware":  false,
			"firmware_url":     nil,
			"special_function": "sleep",
		})
		s.o.Logger.Debug("trmnl: display", "device", d.name, "refresh_s", int(refresh/time.Second), "bytes", len(body))
	})
}

// refresh is the configured sleep, shortened so that the device wakes
// just after the next meeting starts or the current one ends.
func (s *Server) refresh(ctx context.Context) time.Duration {
	rate := s.o.Refresh
	if s.o.NextChange == nil {
		return rate
	}
	next, err := s.o.NextChange(ctx)
	if err != nil || next.IsZero() {
		return rate
	}
	// Compared before adding the margin: Sub saturates for a far-off
	// next, and adding to the saturated value would wrap negative.
	if until := next.Sub(s.o.Clock()); until < rate-WakeMargin {
		rate = until + WakeMargin
	}
	if rate < MinRefresh {
		rate = MinRefresh
	}
	return rate.Round(time.Second)
}

// Log answers POST /api/log: the device's log entries are written to the
// server's log under its configured name, with its token and MAC removed
// from the text (the firmware logs its own headers).
func (s *Server) Log() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		s.contact(d, r)
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxLogBytes)); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeJSON(w, http.StatusRequestEntityTooLarge, errorBody(http.StatusRequestEntityTooLarge, "log too large"))
				return
			}
			writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, "could not read the log"))
			return
		}
		entries, err := parseLog(buf.Bytes())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, "log must be JSON {\"log\":{\"logs_array\":[...]}}"))
			return
		}
		for i, e := range entries {
			if i == MaxLogEntries {
				s.o.Logger.Info("trmnl: device log truncated", "device", d.name, "skipped", len(entries)-i)
				break
			}
			logEntries.Inc()
			s.logEntry(d, e)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// SetupImage serves the picture the device shows right after /api/setup:
// the current screen as the 1-bit 800×480 BMP the firmware insists on
// there (it checks the exact size of a BMP).
func (s *Server) SetupImage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := s.o.Image(r.Context(), DefaultWidth, DefaultHeight, render.ModeMono)
		var img image.Image
		if err == nil {
			img, err = png.Decode(bytes.NewReader(body))
		}
		var out bytes.Buffer
		if err == nil {
			err = EncodeBMP(&out, img)
		}
		if err != nil {
			s.o.Logger.Warn("trmnl: setup image failed", "err", err)
			http.Error(w, "the screen could not be drawn", http.StatusServiceUnavailable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "image/bmp")
		h.Set("Content-Length", strconv.Itoa(out.Len()))
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(out.Bytes())
	})
}

// authenticate finds the device by its ID header (or, without one, by
// its token alone) and checks the token in constant time. On failure it
// has answered.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*device, bool) {
	if !s.Enabled() {
		rejectedDisabled.Inc()
		writeJSON(w, http.StatusNotFound, errorBody(http.StatusNotFound, disabledMsg))
		return nil, false
	}
	token := strings.TrimSpace(r.Header.Get("Access-Token"))
	got := sha256.Sum256([]byte(token))
	var d *device
	if id := r.Header.Get("ID"); id != "" {
		mac, ok := NormalizeMAC(id)
		if d = s.byID[mac]; !ok || d == nil {
			rejectedUnknown.Inc()
			writeJSON(w, http.StatusNotFound, errorBody(http.StatusNotFound,
				"this device is not configured: add its MAC address as id of a [[trmnl.device]] in calendarbot.toml"))
			return nil, false
		}
	} else {
		for _, c := range s.devices { // no early exit: constant time
			if subtle.ConstantTimeCompare(got[:], c.tokenHash[:]) == 1 {
				d = c
			}
		}
	}
	if token == "" || d == nil || subtle.ConstantTimeCompare(got[:], d.tokenHash[:]) != 1 {
		rejectedToken.Inc()
		name := ""
		if d != nil {
			name = d.name
		}
		s.o.Logger.Info("trmnl: rejected a wrong or missing Access-Token", "device", name)
		writeJSON(w, http.StatusUnauthorized, errorBody(http.StatusUnauthorized,
			"wrong or missing Access-Token: it must equal the device's token in [[trmnl.device]]; "+
				"to hand the device its token again, reset its credentials so that it calls /api/setup"))
		return nil, false
	}
	return d, true
}

// contact records the device's reported state; hostile or implausible
// values are ignored.
func (s *Server) contact(d *device, r *http.Request) Status {
	h := r.Header
	now := s.o.Clock()
	d.mu.Lock()
	defer d.mu.Unlock()
	st := &d.last
	st.LastSeenISO = now.UTC().Format(time.RFC3339)
	d.seen.Set(float64(now.Unix()))
	if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Battery-Voltage")), 64); err == nil && v > 0 && v < 10 {
		st.BatteryVolts = &v
		d.battery.Set(v)
	}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("RSSI"))); err == nil && v > -150 && v <= 0 {
		st.RSSI = &v
		d.rssi.Set(float64(v))
	}
	if v := token32(h.Get("FW-Version")); v != "" {
		st.Firmware = v
		if n, ok := versionNumber(v); ok {
			d.fw.Set(n)
		}
	}
	if v := token32(h.Get("Model")); v != "" {
		st.Model = v
	}
	wd, err1 := strconv.Atoi(strings.TrimSpace(h.Get("Width")))
	ht, err2 := strconv.Atoi(strings.TrimSpace(h.Get("Height")))
	if err1 == nil && err2 == nil && wd >= render.MinSize && ht >= render.MinSize && wd <= MaxSide && ht <= MaxSide {
		st.Width, st.Height = wd, ht
	}
	return *st
}

// token32 returns s if it is a short version-like token, else "".
func token32(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_' || c == '+') {
			return ""
		}
	}
	return s
}

// versionNumber turns "1.6.9" into 10609 for a gauge.
func versionNumber(v string) (float64, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) != 3 {
		return 0, false
	}
	n := 0.0
	for _, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || x > 99 {
			return 0, false
		}
		n = n*100 + float64(x)
	}
	return n, true
}

// baseURL is where the device can reach us.
func (s *Server) baseURL(r *http.Request) (string, error) {
	if s.base != nil {
		return s.base.String(), nil
	}
	host := r.Host
	if !validHost(host) {
		return "", errors.New("cannot tell the server's address from the request's Host header; set base_url in [trmnl]")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" && fromLoopback(r) {
		scheme = "https"
	}
	return scheme + "://" + host, nil
}

// validHost accepts host or host:port with a DNS name, IPv4 or
// bracketed IPv6 address; anything that could change the URL's meaning
// (user info, paths, spaces) is refused.
func validHost(hostport string) bool {
	if hostport == "" || len(hostport) > 255 {
		return false
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
		if strings.Contains(host, ":") {
			return false // an unbracketed IPv6 address or a stray colon
		}
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return false
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		return true
	}
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func friendlyOrNone(mac string, ok bool) string {
	if !ok {
		return "(no valid ID header)"
	}
	return FriendlyID(mac)
}

func errorBody(code int, msg string) map[string]any {
	return map[string]any{"status": code, "error": msg}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	// Plain "&" in image_url: simple firmware JSON parsers need not
	// decode \u0026.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
