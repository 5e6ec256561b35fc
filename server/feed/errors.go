package feed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is on Result.Err.
var (
	// ErrTooLarge: the body (after decompression) is larger than
	// Options.MaxBytes.
	ErrTooLarge = errors.New("body too large")
	// ErrTooManyRedirects: more than Options.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRedirectScheme: a redirect to anything but http or https.
	ErrRedirectScheme = errors.New("redirect to a non-http(s) URL refused")
	// ErrUnsupportedURL: the source URL has a scheme the fetcher does not
	// read, or cannot be parsed at all.
	ErrUnsupportedURL = errors.New("unsupported URL")
)

// FetchError is the error in Result.Err. Its text names the feed and the
// request as scheme + host + "/…"; it never holds the URL path, query,
// userinfo or any credential, and neither does anything it unwraps to.
type FetchError struct {
	Feed       string // Source.Name
	Op         string // e.g. `GET https://outlook.office365.com/…` or `read file:///…`
	StatusCode int    // HTTP status when a response was received, else 0
	Err        error  // the redacted cause
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("feed %q: %s: %v", e.Feed, e.Op, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// statusError is a non-2xx, non-304 answer. Its text comes from the status
// code, not from the server's reason phrase.
type statusError struct{ code int }

func (e statusError) Error() string {
	if t := http.StatusText(e.code); t != "" {
		return fmt.Sprintf("%d %s", e.code, t)
	}
	return fmt.Sprintf("HTTP status %d", e.code)
}

// redactedError stands in for an error whose text had to be scrubbed. It
// keeps errors.Is working against the original (for context.DeadlineExceeded
// and the sentinels) without exposing the original through Unwrap, so a
// caller walking the chain cannot print the unredacted text.
type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }

// GoString keeps %#v from printing the unredacted original.
func (e *redactedError) GoString() string { return fmt.Sprintf("feed.redactedError(%q)", e.msg) }

// ownError is an error whose text this package wrote and knows to be free
// of secrets; sanitize passes it through untouched.
type ownError struct {
	msg string
	err error
}

func (e *ownError) Error() string { return e.msg }
func (e *ownError) Unwrap() error { return e.err }

// ownErrorf is fmt.Errorf for messages built only from safe values.
func ownErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	return &ownError{msg: err.Error(), err: errors.Unwrap(err)}
}

// timeoutError reports the whole-request limit being hit.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string        { return fmt.Sprintf("timed out after %s", e.d) }
func (e timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (e timeoutError) Timeout() bool        { return true }

// redactTarget renders u as scheme://host/… (no userinfo, path, query or
// fragment). webcal has already been rewritten to https by then.
func redactTarget(u *url.URL) string {
	if u == nil {
		return "<URL>"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// secretsOf lists every string from a source that must never appear in an
// error: credentials, header values, and the parts of the URL other than
// scheme and host, raw and unescaped.
func secretsOf(src Source, u *url.URL) []string {
	var s []string
	// Credentials are scrubbed whatever their length; parts of the URL
	// only from 4 bytes on, so that "?a=1" does not mangle every "1".
	minLen := 1
	add := func(v string) {
		if len(v) >= minLen {
			s = append(s, v)
			if q := url.QueryEscape(v); q != v {
				s = append(s, q)
			}
			if p := url.PathEscape(v); p != v {
				s = append(s, p)
			}
		}
	}
	add(src.URL)
	add(src.Password)
	add(src.Bearer)
	for _, v := range src.Headers {
		add(v)
	}
	if u != nil && u.User != nil {
		add(u.User.String())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	minLen = 4
	if u != nil {
		add(u.RawQuery)
		if q, err := url.QueryUnescape(u.RawQuery); err == nil {
			add(q)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
		add(u.Fragment)
		add(u.Path)
		add(u.EscapedPath())
	}
	// Longest first, so that a secret containing another is removed whole.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// sanitize turns a transport error into one safe to show: url.Error layers
// (which carry the full URL) are dropped, whole-request timeouts are named as
// such, and any remaining text that contains a secret is scrubbed.
func sanitize(err error, secrets []string, timedOut bool, timeout time.Duration) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			break
		}
		err = ue.Err
	}
	if timedOut && errors.Is(err, context.DeadlineExceeded) {
		return timeoutError{timeout}
	}
	if _, ok := err.(*ownError); ok {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, s := range secrets {
		clean = strings.ReplaceAll(clean, s, "…")
	}
	// net/http quotes an unparsable Location header verbatim; it is
	// attacker- or server-controlled and may carry a token.
	if strings.Contains(clean, "Location header") {
		clean = "redirect with an unparsable Location header"
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, orig: err}
}
