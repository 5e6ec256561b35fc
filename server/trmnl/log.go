package trmnl

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// logEntry is one entry of the firmware's log upload. Only the fields
// worth a log line are read; everything else is ignored.
type logEntry struct {
	Message   string          `json:"log_message"`
	File      string          `json:"log_sourcefile"`
	Line      json.RawMessage `json:"log_codeline"`
	ID        json.RawMessage `json:"log_id"`
	Timestamp json.RawMessage `json:"creation_timestamp"`
	Device    struct {
		Battery  json.RawMessage `json:"battery_voltage"`
		RSSI     json.RawMessage `json:"wifi_rssi_level"`
		Firmware string          `json:"current_fw_version"`
		Wakeup   string          `json:"wakeup_reason"`
		Refresh  json.RawMessage `json:"refresh_rate"`
	} `json:"device_status_stamp"`
}

// parseLog accepts the firmware's {"log":{"logs_array":[...]}}, older
// firmware's {"logs":[...]} and a bare array.
func parseLog(body []byte) ([]logEntry, error) {
	var doc struct {
		Log *struct {
			Entries []logEntry `json:"logs_array"`
		} `json:"log"`
		Logs []logEntry `json:"logs"`
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var list []logEntry
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	switch {
	case doc.Log != nil:
		return doc.Log.Entries, nil
	case doc.Logs != nil:
		return doc.Logs, nil
	}
	return nil, errors.New("no log entries")
}

// logEntry writes one device log entry. The text is the device's, so it
// is cleaned: the token and MAC are replaced (the firmware logs its own
// request headers), control characters dropped and the length capped.
func (s *Server) logEntry(d *device, e logEntry) {
	attrs := []any{"device", d.name, "msg", d.scrub(e.Message, 300)}
	if e.File != "" {
		attrs = append(attrs, "source", d.scrub(e.File, 80)+":"+scalar(e.Line))
	}
	for _, kv := range []struct {
		k string
		v json.RawMessage
	}{{"battery_voltage", e.Device.Battery}, {"rssi", e.Device.RSSI}, {"refresh_rate", e.Device.Refresh}, {"device_time", e.Timestamp}} {
		if v := scalar(kv.v); v != "" {
			attrs = append(attrs, kv.k, v)
		}
	}
	if v := token32(e.Device.Firmware); v != "" {
		attrs = append(attrs, "fw", v)
	}
	if e.Device.Wakeup != "" {
		attrs = append(attrs, "wakeup", d.scrub(e.Device.Wakeup, 40))
	}
	s.o.Logger.Info("trmnl: device log", attrs...)
}

// scalar renders a JSON number or short string for a log attribute, "" for
// anything else.
func scalar(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return token32(s)
	}
	return ""
}

// scrub removes the device's secrets from text it sent and makes the text
// safe for one log line.
func (d *device) scrub(s string, max int) string {
	// Secrets first, then the cut: a token straddling the cut would
	// otherwise escape the replacement and be logged in part. (The body
	// is at most MaxLogBytes, so replacing in all of it stays cheap.)
	s = strings.ReplaceAll(s, d.token, "***")
	for _, m := range []string{d.mac, strings.ToLower(d.mac), strings.ReplaceAll(d.mac, ":", "-"), strings.ReplaceAll(strings.ToLower(d.mac), ":", "-")} {
		s = strings.ReplaceAll(s, m, "[mac]")
	}
	if len(s) > 4*max {
		s = s[:4*max]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}
