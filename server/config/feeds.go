package config

import (
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strings"
)

// parseFeedSpec splits "NAME=URL" (--feed, CALENDARBOT_FEEDS). Names
// cannot contain "=", so the first "=" separates.
func parseFeedSpec(spec string) (name, rawURL, msg string) {
	name, rawURL, ok := strings.Cut(spec, "=")
	name, rawURL = strings.TrimSpace(name), strings.TrimSpace(rawURL)
	switch {
	case !ok || strings.Contains(name, ":") || strings.Contains(name, "/"):
		return "", "", fmt.Sprintf("'%s' is not NAME=URL (e.g. Work=https://example.com/work.ics)", safeEcho(spec))
	case name == "":
		return "", "", fmt.Sprintf("'%s' has no name before '=' (e.g. Work=https://example.com/work.ics)", safeEcho(spec))
	case rawURL == "":
		return "", "", fmt.Sprintf("feed '%s' has no URL after '='", safeEcho(name))
	}
	return name, rawURL, ""
}

// parseFeedList parses NAME=URL specs from the environment or flags. label
// is the variable or flag, as used in messages.
func parseFeedList(label string, specs []string, baseDir string, ps *problems) []Feed {
	where := "environment"
	if strings.HasPrefix(label, "--") {
		where = "command line"
	}
	var feeds []Feed
	seen := map[string]bool{}
	for _, spec := range specs {
		name, rawURL, msg := parseFeedSpec(spec)
		if msg != "" {
			ps.add(where, "%s %s", label, msg)
			continue
		}
		if msg := checkFeedName(name); msg != "" {
			ps.add(where, "%s: %s", label, msg)
			continue
		}
		f := Feed{Name: name}
		u, user, pass, msg := normalizeFeedURL(rawURL, baseDir)
		if msg != "" {
			ps.add(where, "%s: feed '%s': %s", label, name, msg)
			continue
		}
		f.URL, f.Username, f.Password = u, user, pass
		if msg := checkAuth(f); msg != "" {
			ps.add(where, "%s: feed '%s': %s", label, name, msg)
			continue
		}
		if k := strings.ToLower(name); seen[k] {
			ps.add(where, "%s: feed '%s' is given twice; feed names must be unique", label, name)
			continue
		} else {
			seen[k] = true
		}
		feeds = append(feeds, f)
	}
	return feeds
}

// checkFeedName returns "" or a message that names the problem.
func checkFeedName(name string) string {
	switch {
	case name == "":
		return "feed name is empty"
	case len(name) > MaxFeedNameLen:
		return fmt.Sprintf("feed name '%s' is longer than %d characters", safeEcho(name), MaxFeedNameLen)
	case strings.TrimSpace(name) != name:
		return fmt.Sprintf("feed name '%s' starts or ends with a space", safeEcho(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ' || c == '_' || c == '.' || c == '-') {
			return fmt.Sprintf("feed name '%s' may only contain letters, digits, space, '_', '.' and '-'", safeEcho(name))
		}
	}
	return ""
}

// normalizeFeedURL checks a feed URL and returns its normal form (see
// Feed.URL) and any user info it carried. Messages never contain more of
// the URL than RedactURL leaves.
func normalizeFeedURL(raw, baseDir string) (norm, user, pass, msg string) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", "", "", "url is empty"
	case len(raw) > 4096:
		return "", "", "", "url is longer than 4096 characters"
	case strings.IndexFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return "", "", "", "url contains control characters (a line break?)"
	}
	scheme, ok := urlScheme(raw)
	if !ok { // a plain path
		p := raw
		if !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, p)
		}
		return fileURL(p), "", "", ""
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "webcal", "webcals":
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", "", fmt.Sprintf("url '%s' is not a valid URL%s", safeEcho(raw), parseReason(err))
		}
		if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
			return "", "", "", fmt.Sprintf("url '%s' has no host (write %s://host/path)", safeEcho(raw), strings.ToLower(scheme))
		}
		u.Scheme = strings.ToLower(u.Scheme)
		if u.Scheme == "webcal" || u.Scheme == "webcals" {
			u.Scheme = "https"
		}
		if u.User != nil {
			user = u.User.Username()
			pass, _ = u.User.Password()
			u.User = nil
		}
		u.Fragment, u.RawFragment = "", ""
		return u.String(), user, pass, ""
	case "file":
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", "", fmt.Sprintf("url '%s' is not a valid file URL (write file:///absolute/path)", safeEcho(raw))
		}
		if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return "", "", "", fmt.Sprintf("url '%s' is not an absolute file URL (write file:///absolute/path, or just the path)", safeEcho(raw))
		}
		if u.RawQuery != "" {
			return "", "", "", "file url must not have a query ('?…')"
		}
		return fileURL(u.Path), "", "", ""
	}
	return "", "", "", fmt.Sprintf("url scheme '%s' not supported (use https, http, webcal or file)", safeEcho(scheme))
}

// urlScheme returns the scheme of raw if it has one. A single letter before
// ':' is a drive letter, not a scheme.
func urlScheme(raw string) (string, bool) {
	i := strings.IndexByte(raw, ':')
	if i < 2 {
		return "", false
	}
	for j := 0; j < i; j++ {
		c := raw[j]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", false
		}
	}
	return raw[:i], true
}

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Clean(path))}).String()
}

func unescapePath(p string) string {
	if s, err := url.PathUnescape(p); err == nil {
		return filepath.FromSlash(s)
	}
	return filepath.FromSlash(p)
}

// checkAuth checks the combination of credentials of f.
func checkAuth(f Feed) string {
	switch {
	case f.Username != "" && f.Password == "":
		return "username without password (basic authentication needs both)"
	case f.Password != "" && f.Username == "":
		return "password without username (basic authentication needs both)"
	case f.Bearer != "" && f.Username != "":
		return "use either bearer or username/password, not both"
	}
	if hasCtl(f.Username) || hasCtl(f.Password) {
		return "username or password contains control characters"
	}
	if f.Bearer != "" && checkToken(f.Bearer, "") != "" {
		return "bearer token contains white space or control characters"
	}
	if _, ok := f.Headers["Authorization"]; ok && (f.Bearer != "" || f.Username != "") {
		return "header 'Authorization' conflicts with bearer/username; keep one"
	}
	return ""
}

func hasCtl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// checkHeader validates one extra header and returns its canonical name.
func checkHeader(name, value string) (string, string) {
	if name == "" {
		return "", "header name is empty"
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return "", fmt.Sprintf("header name '%s' is not a valid HTTP header name (letters, digits and !#$%%&'*+-.^_`|~)", safeEcho(name))
		}
	}
	canon := textproto.CanonicalMIMEHeaderKey(name)
	switch canon {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return "", fmt.Sprintf("header '%s' cannot be set", canon)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", fmt.Sprintf("header '%s': value contains a line break or NUL", canon)
	}
	return canon, ""
}

func isTokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseReason returns the reason of a url.Parse error if it is one of those
// known to quote at most a few characters of the URL (an escape, a port, a
// character); the error itself quotes the whole URL and is never shown.
func parseReason(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	reason := ue.Err.Error()
	for _, safe := range []string{"invalid URL escape ", "invalid port ", "invalid character "} {
		if strings.HasPrefix(reason, safe) && len(reason) < len(safe)+40 {
			return " (" + safeEcho(reason) + ")"
		}
	}
	return ""
}
