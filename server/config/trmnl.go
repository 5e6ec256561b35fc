package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TRMNL configures the TRMNL e-ink device API (/api/setup, /api/display,
// /api/log). Without devices the API is off.
type TRMNL struct {
	Refresh time.Duration // longest sleep asked of a device
	BaseURL string        // "" or an absolute http(s) URL for image links
	// Setup lets /api/setup hand a configured device its token. A MAC
	// address is no secret, so owners turn it off once their devices
	// are enrolled.
	Setup   bool
	Devices []TRMNLDevice
}

// TRMNLDevice is one [[trmnl.device]].
type TRMNLDevice struct {
	ID    string // MAC address, normalised to upper case with colons; never log it
	Token string // secret: the device's Access-Token
	Name  string // "" or a name like a feed's, for logs and metrics
}

// Limits of the TRMNL settings.
const (
	DefaultTRMNLRefresh = 5 * time.Minute
	MinTRMNLRefresh     = time.Minute
	MaxTRMNLRefresh     = 24 * time.Hour
	MinTRMNLTokenLen    = 16
	MaxTRMNLTokenLen    = 256
)

var trmnlDeviceKeys = []string{"id", "token", "name"}

// tokenHint is how to make a token, for error messages.
const tokenHint = "generate one with: openssl rand -hex 16"

// trmnlTable reads [trmnl]: its plain settings and [[trmnl.device]].
func (w *fileWalker) trmnlTable(m map[string]any, path []string) {
	for _, k := range w.keysByLine(m, path) {
		if k == "device" {
			w.trmnlDevices(m[k], extend(path, k))
			continue
		}
		if s := settingByKey("trmnl." + k); s != nil {
			w.setting(s, m[k], extend(path, k))
			continue
		}
		w.unknown("trmnl", k, extend(path, k), append(tableKeys("trmnl"), "device"))
	}
}

func (w *fileWalker) trmnlDevices(v any, path []string) {
	arr, ok := v.([]any)
	if !ok {
		w.add(path, "write [[trmnl.device]] (double brackets) for each device, not %s", tomlType(v))
		return
	}
	w.l.trmnlSet = true
	seen := map[string]int{} // MAC -> line
	names := map[string]int{}
	for i, e := range arr {
		dp := extend(path, "#"+strconv.Itoa(i))
		m, isTable := e.(map[string]any)
		if !isTable {
			w.add(dp, "trmnl.device #%d must be a table with id and token, not %s", i+1, tomlType(e))
			continue
		}
		label := fmt.Sprintf("trmnl.device #%d", i+1)
		ok := true
		bad := func(key, format string, args ...any) {
			w.add(extend(dp, key), "%s: %s", label, fmt.Sprintf(format, args...))
			ok = false
		}
		for _, k := range w.keysByLine(m, dp) {
			if !contains(trmnlDeviceKeys, k) {
				w.unknown("trmnl.device", k, extend(dp, k), trmnlDeviceKeys)
				ok = false
			}
		}
		str := func(key string) (string, bool) {
			v, present := m[key]
			if !present {
				return "", false
			}
			s, isStr := v.(string)
			if !isStr {
				bad(key, "%s must be a string in quotes, not %s", key, tomlType(v))
			}
			return s, isStr
		}
		var d TRMNLDevice
		// The ID and token are never echoed: a MAC identifies a device
		// and a token is a secret.
		if id, present := str("id"); !present {
			if _, has := m["id"]; !has {
				bad("", "has no id (the device's MAC address, e.g. id = \"A1:B2:C3:D4:E5:F6\", shown in the TRMNL's Wi-Fi setup page)")
			}
		} else if mac, valid := normalizeMAC(id); !valid {
			bad("id", "id is not a MAC address (six hex pairs such as \"A1:B2:C3:D4:E5:F6\")")
		} else if first, dup := seen[mac]; dup {
			bad("id", "the same device (MAC address) is already configured at line %d", first)
		} else {
			seen[mac] = w.lineOf(extend(dp, "id"))
			d.ID = mac
		}
		if tok, present := str("token"); !present {
			if _, has := m["token"]; !has {
				bad("", "has no token (%d or more random characters the device sends as Access-Token; %s)", MinTRMNLTokenLen, tokenHint)
			}
		} else if msg := checkTRMNLToken(tok); msg != "" {
			bad("token", "token %s", msg)
		} else {
			d.Token = tok
		}
		if name, present := str("name"); present {
			if msg := checkFeedName(name); msg != "" {
				bad("name", "%s", strings.Replace(msg, "feed name", "name", 1))
			} else if first, dup := names[strings.ToLower(name)]; dup {
				bad("name", "name '%s' is already used at line %d; names must be unique", name, first)
			} else {
				names[strings.ToLower(name)] = w.lineOf(extend(dp, "name"))
				d.Name = name
			}
		}
		if ok {
			w.l.trmnlDevices = append(w.l.trmnlDevices, d)
		}
	}
}

// checkTRMNLToken returns "" or a message that never contains the token.
func checkTRMNLToken(t string) string {
	if len(t) < MinTRMNLTokenLen {
		return fmt.Sprintf("is shorter than %d characters (%s)", MinTRMNLTokenLen, tokenHint)
	}
	if len(t) > MaxTRMNLTokenLen {
		return fmt.Sprintf("is longer than %d characters", MaxTRMNLTokenLen)
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return "must be printable ASCII without spaces (it is sent in an HTTP header; " + tokenHint + ")"
		}
	}
	return ""
}

// normalizeMAC returns a 6-byte MAC address in upper case with colons.
func normalizeMAC(s string) (string, bool) {
	hw, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(hw) != 6 {
		return "", false
	}
	return strings.ToUpper(hw.String()), true
}

// checkBaseURL accepts "" or an absolute http(s) URL without user info,
// query or fragment.
func checkBaseURL(v any, _ string) string {
	s := strings.TrimSpace(v.(string))
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("'%s' is not an absolute http:// or https:// URL (e.g. https://calendar.example.com)", safeEcho(s))
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Sprintf("'%s' must not contain user info, a query or a fragment", safeEcho(s))
	}
	return ""
}
