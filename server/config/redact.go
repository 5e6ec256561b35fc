package config

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces secret values in Redacted.
const Mask = "***"

// Redacted returns a copy of c that is safe to log or print: feed URLs go
// through RedactURL; passwords, bearer tokens, header values, the admin
// and Alexa tokens, the Wi-Fi PSK and the TRMNL devices' tokens and MAC
// addresses are replaced by Mask (empty secrets
// stay empty, so one can see that they are unset). c is not modified.
func (c *Config) Redacted() Config {
	r := *c
	r.AdminToken = mask(c.AdminToken)
	r.AlexaToken = mask(c.AlexaToken)
	r.WiFi.PSK = mask(c.WiFi.PSK)
	if c.TRMNL.Devices != nil {
		r.TRMNL.Devices = make([]TRMNLDevice, len(c.TRMNL.Devices))
		for i, d := range c.TRMNL.Devices {
			// The MAC identifies a device in a home: masked like a secret.
			r.TRMNL.Devices[i] = TRMNLDevice{ID: mask(d.ID), Token: mask(d.Token), Name: d.Name}
		}
	}
	r.Network.DNS = slices.Clone(c.Network.DNS)
	r.Clock.NTP = slices.Clone(c.Clock.NTP)
	r.Feeds = make([]Feed, len(c.Feeds))
	for i, f := range c.Feeds {
		f.URL = RedactURL(f.URL)
		f.Password = mask(f.Password)
		f.Bearer = mask(f.Bearer)
		if f.Headers != nil {
			h := maps.Clone(f.Headers)
			for k := range h {
				h[k] = Mask
			}
			f.Headers = h
		}
		r.Feeds[i] = f
	}
	if c.Feeds == nil {
		r.Feeds = nil
	}
	return r
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return Mask
}

// RedactURL returns raw without the parts of a URL that commonly carry
// secrets: user info is removed, a query is replaced by "?…" and a fragment
// is dropped. Scheme, host and path stay (calendar services such as
// Outlook put a token in the path; that is accepted as the price of a
// useful message). Strings that do not parse as URLs are cut at the first
// '?' or '#' and lose anything that looks like user info, so RedactURL is
// safe on arbitrary input, including plain paths (returned unchanged).
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" && (u.Scheme != "" || u.Host != "") {
		hadQuery := u.RawQuery != "" || u.ForceQuery
		u.User = nil
		u.RawQuery, u.ForceQuery = "", false
		u.Fragment, u.RawFragment = "", ""
		s := u.String()
		if hadQuery {
			s += "?…"
		}
		return s
	}
	return redactLoose(raw)
}

// redactLoose redacts strings that url.Parse rejects (or parses as opaque).
func redactLoose(s string) string {
	suffix := ""
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		if s[i] == '?' {
			suffix = "?…"
		}
		s = s[:i]
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if i := strings.IndexByte(s[start:], '/'); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndexByte(s[start:end], '@'); at >= 0 {
		s = s[:start] + s[start+at+1:]
	}
	return s + suffix
}
