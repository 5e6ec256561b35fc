package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// The appliance's sections. The server parses and validates them (so that
// check-config catches mistakes before the image applies them) but does not
// act on them. They can only be set in the config file.

// WiFi is the [wifi] section. SSID "" means Wi-Fi is not configured.
type WiFi struct {
	SSID    string // 1 to 32 bytes
	PSK     string // secret: 8 to 63 printable ASCII characters, or 64 hex digits; "" for an open network
	Country string // ISO 3166 alpha-2 code, upper case; required with SSID (the radio stays off without it)
	Hidden  bool   // the network does not broadcast its SSID
}

// Network is the [network] section. Address "" means DHCP.
type Network struct {
	Hostname string   // one DNS label, "" keeps the image's default
	Address  string   // static address with prefix length, e.g. "192.168.1.50/24"
	Gateway  string   // default gateway (only with Address)
	DNS      []string // name server addresses (only with Address)
}

// Clock is the [clock] section.
type Clock struct {
	NTP []string // NTP servers (host names or addresses); empty keeps the image's default
}

var (
	wifiKeys    = []string{"ssid", "psk", "country", "hidden"}
	networkKeys = []string{"hostname", "address", "gateway", "dns"}
	clockKeys   = []string{"ntp"}
)

// section helps validate a table of the appliance's sections.
type section struct {
	w    *fileWalker
	name string
	m    map[string]any
	path []string
}

func (w *fileWalker) section(name string, m map[string]any, path []string, known []string) *section {
	for _, k := range w.keysByLine(m, path) {
		if !contains(known, k) {
			w.unknown(name, k, extend(path, k), known)
		}
	}
	return &section{w: w, name: name, m: m, path: path}
}

func (s *section) add(key, format string, args ...any) {
	s.w.add(extend(s.path, key), "%s.%s %s", s.name, key, fmt.Sprintf(format, args...))
}

func (s *section) str(key string) string {
	v, ok := s.m[key]
	if !ok {
		return ""
	}
	str, ok := v.(string)
	if !ok {
		s.add(key, "must be a string in quotes, not %s", tomlType(v))
	}
	return str
}

func (s *section) boolean(key string) bool {
	v, ok := s.m[key]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		s.add(key, "must be true or false, not %s", tomlType(v))
	}
	return b
}

func (s *section) strings(key string) []string {
	v, ok := s.m[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		s.add(key, "must be an array of strings such as [\"a\", \"b\"], not %s", tomlType(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		str, ok := e.(string)
		if !ok {
			s.w.add(extend(s.path, key, fmt.Sprintf("#%d", i)), "%s.%s: element %d must be a string, not %s", s.name, key, i+1, tomlType(e))
			continue
		}
		out = append(out, str)
	}
	return out
}

func (w *fileWalker) wifi(m map[string]any, path []string) {
	s := w.section("wifi", m, path, wifiKeys)
	wi := WiFi{SSID: s.str("ssid"), PSK: s.str("psk"), Country: strings.ToUpper(strings.TrimSpace(s.str("country"))), Hidden: s.boolean("hidden")}
	if len(wi.SSID) > 32 {
		s.add("ssid", "is longer than 32 bytes")
	}
	if wi.PSK != "" {
		if msg := checkPSK(wi.PSK); msg != "" {
			s.add("psk", "%s", msg)
		}
		if wi.SSID == "" {
			s.add("psk", "is set but wifi.ssid is empty")
		}
	}
	if wi.Country != "" && !isCountryCode(wi.Country) {
		s.add("country", "'%s' is not a two-letter country code (ISO 3166, e.g. DE, GB, US)", safeEcho(wi.Country))
	} else if wi.Country == "" && wi.SSID != "" {
		s.add("ssid", "needs wifi.country too (two-letter code such as DE: the Wi-Fi radio stays off without it)")
	}
	w.l.wifi = &wi
}

// checkPSK returns "" or a message that never contains the PSK.
func checkPSK(psk string) string {
	if len(psk) == 64 {
		for i := 0; i < 64; i++ {
			if !isHex(psk[i]) {
				return "has 64 characters, so it must be 64 hex digits (a passphrase has 8 to 63 characters)"
			}
		}
		return ""
	}
	for i := 0; i < len(psk); i++ {
		if psk[i] < 0x20 || psk[i] > 0x7e {
			return "must use printable ASCII characters only"
		}
	}
	if len(psk) < 8 || len(psk) > 63 {
		return fmt.Sprintf("must be 8 to 63 characters or 64 hex digits (it has %d)", len(psk))
	}
	return ""
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func (w *fileWalker) network(m map[string]any, path []string) {
	s := w.section("network", m, path, networkKeys)
	n := Network{Hostname: s.str("hostname"), Address: s.str("address"), Gateway: s.str("gateway"), DNS: s.strings("dns")}
	if n.Hostname != "" && !isHostLabel(n.Hostname) {
		s.add("hostname", "'%s' is not a valid host name (letters, digits and '-', at most 63, not starting or ending with '-')", safeEcho(n.Hostname))
	}
	var prefix netip.Prefix
	if n.Address != "" {
		var err error
		if prefix, err = netip.ParsePrefix(n.Address); err != nil {
			s.add("address", "'%s' is not an address with prefix length (e.g. \"192.168.1.50/24\"; leave it empty for DHCP)", safeEcho(n.Address))
		}
	}
	if n.Gateway != "" {
		gw, err := netip.ParseAddr(n.Gateway)
		switch {
		case err != nil:
			s.add("gateway", "'%s' is not an IP address", safeEcho(n.Gateway))
		case n.Address == "":
			s.add("gateway", "needs network.address (with DHCP the gateway comes from the DHCP server)")
		case prefix.IsValid() && !prefix.Masked().Contains(gw):
			s.add("gateway", "'%s' is not in the network of address '%s'", n.Gateway, n.Address)
		}
	}
	for i, d := range n.DNS {
		if _, err := netip.ParseAddr(d); err != nil {
			w.add(extend(path, "dns", fmt.Sprintf("#%d", i)), "network.dns: '%s' is not an IP address", safeEcho(d))
		}
	}
	if len(n.DNS) > 0 && n.Address == "" {
		s.add("dns", "needs network.address (with DHCP the name servers come from the DHCP server)")
	}
	w.l.network = &n
}

func (w *fileWalker) clock(m map[string]any, path []string) {
	s := w.section("clock", m, path, clockKeys)
	c := Clock{NTP: s.strings("ntp")}
	for i, h := range c.NTP {
		if _, err := netip.ParseAddr(h); err != nil && !isHostName(h) {
			w.add(extend(path, "ntp", fmt.Sprintf("#%d", i)), "clock.ntp: '%s' is neither a host name nor an IP address", safeEcho(h))
		}
	}
	w.l.clock = &c
}

func isHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !isHostLabel(label) {
			return false
		}
	}
	return true
}
