package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/cal.ics", "https://example.com/cal.ics"},
		{"https://user:SECRET@example.com/cal.ics", "https://example.com/cal.ics"},
		{"https://SECRET@example.com/cal.ics", "https://example.com/cal.ics"},
		{"https://example.com/cal.ics?token=SECRET", "https://example.com/cal.ics?…"},
		{"https://example.com/cal.ics?token=SECRET#SECRET", "https://example.com/cal.ics?…"},
		{"https://example.com/cal.ics#SECRET", "https://example.com/cal.ics"},
		{"https://example.com/cal.ics?", "https://example.com/cal.ics?…"},
		// Outlook: the token is in the path and stays; the query goes.
		{"https://outlook.office365.com/owa/calendar/0123abc@example.com/4567def/calendar.ics?token=SECRET",
			"https://outlook.office365.com/owa/calendar/0123abc@example.com/4567def/calendar.ics?…"},
		{"webcal://u:SECRET@p01-caldav.icloud.com/published/2/X?SECRET", "webcal://p01-caldav.icloud.com/published/2/X?…"},
		{"file:///var/lib/cal.ics", "file:///var/lib/cal.ics"},
		{"cals/home.ics", "cals/home.ics"},
		{"/abs/my cal.ics", "/abs/my cal.ics"},
		{"", ""},
		// Not parseable as URLs: cut at '?'/'#', user info dropped.
		{"https://user:SECRET@exa mple.com/x?token=SECRET", "https://exa mple.com/x?…"},
		{"https://example.com/%zz?token=SECRET", "https://example.com/%zz?…"},
		{"https://u:SECRET@example.com:bad/x", "https://example.com:bad/x"},
		{"Work=https://user:SECRET@x/y?token=SECRET", "Work=https://x/y?…"},
		{"user:SECRET@host/x", "host/x"},
		{"mailto:SECRET@example.com", "example.com"},
		{"https://x/y\r\n?token=SECRET", "https://x/y\r\n?…"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.AdminToken = "SECRET-admin"
	c.WiFi = WiFi{SSID: "net", PSK: "SECRET-psk", Country: "DE"}
	c.Network.DNS = []string{"1.1.1.1"}
	c.Clock.NTP = []string{"pool.ntp.org"}
	c.Feeds = []Feed{
		{Name: "A", URL: "https://example.com/a.ics?token=SECRET-q", Username: "me", Password: "SECRET-pw"},
		{Name: "B", URL: "https://example.com/b.ics", Bearer: "SECRET-bearer", Headers: map[string]string{"X-Api-Key": "SECRET-h"}},
		{Name: "C", URL: "file:///x.ics"},
	}
	orig := fmt.Sprintf("%+v", *c)
	r := c.Redacted()
	s := fmt.Sprintf("%+v", r)
	if strings.Contains(s, "SECRET") {
		t.Errorf("Redacted contains a secret: %s", s)
	}
	if got := fmt.Sprintf("%+v", *c); got != orig {
		t.Errorf("Redacted modified the original:\n%s\n%s", orig, got)
	}
	checks := []struct {
		name      string
		got, want string
	}{
		{"AdminToken", r.AdminToken, "***"},
		{"AlexaToken (empty stays empty)", r.AlexaToken, ""},
		{"PSK", r.WiFi.PSK, "***"},
		{"SSID", r.WiFi.SSID, "net"},
		{"URL", r.Feeds[0].URL, "https://example.com/a.ics?…"},
		{"Username", r.Feeds[0].Username, "me"},
		{"Password", r.Feeds[0].Password, "***"},
		{"Bearer", r.Feeds[1].Bearer, "***"},
		{"Bearer empty", r.Feeds[0].Bearer, ""},
		{"Header", r.Feeds[1].Headers["X-Api-Key"], "***"},
		{"file URL", r.Feeds[2].URL, "file:///x.ics"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	r.Network.DNS[0] = "changed"
	r.Clock.NTP[0] = "changed"
	if c.Network.DNS[0] != "1.1.1.1" || c.Clock.NTP[0] != "pool.ntp.org" {
		t.Error("Redacted shares slices with the original")
	}
}

// TestNoSecretInErrors provokes every error path that can involve a secret
// and checks that no message contains one. Secrets are spelt SECRET.
func TestNoSecretInErrors(t *testing.T) {
	type tc struct {
		name string
		file string // content of calendarbot.toml, if any
		args []string
		env  []string
	}
	var cases []tc
	// File: feed tables with secrets in every field, each with a problem.
	feedProblems := []string{
		`url = "ftp://u:SECRET@x/y?token=SECRET"`,
		`url = "https://u:SECRET@/y?token=SECRET"`,
		`url = "https://u:SECRET@x:port/y?token=SECRET"`,
		`url = "https://x/%zz?token=SECRET#SECRET"`,
		`url = "https://x/y?token=SECRET\u0001"`,
		`url = "file://u:SECRET@host/x?token=SECRET"`,
		`url = "file:x?token=SECRET"`,
		`url = "https://x/y?token=SECRET"` + "\npassword = \"SECRET\"",
		`url = "https://x/y?token=SECRET"` + "\nusername = \"u\"\npassword = \"SECRET\"\nbearer = \"SECRET\"",
		`url = "https://u:SECRET@x/y"` + "\nusername = \"u\"\npassword = \"SECRET\"",
		`url = "https://u:SECRET@x/y"` + "\nbearer = \"SECRET\"",
		`url = "https://x/y"` + "\nbearer = \"SE CRET SECRET\"",
		`url = "https://x/y"` + "\nusername = \"u\"\npassword = \"SECRET\\n\"",
		`url = "https://x/y"` + "\n[feed.headers]\nX-Key = \"SECRET\\r\\nSECRET\"",
		`url = "https://x/y"` + "\n[feed.headers]\n\"Bad Name\" = \"SECRET\"",
		`url = "https://x/y"` + "\n[feed.headers]\nX-Key = [\"SECRET\"]",
		`url = "https://x/y"` + "\nbearer = \"SECRET\"\n[feed.headers]\nAuthorization = \"Bearer SECRET\"",
		`url = "https://x/y?token=SECRET"` + "\npassword = 5",
		`url = 5` + "\npassword = \"SECRET\"",
		`url = "https://x/y?token=SECRET"` + "\ncolour = \"SECRET\"",
	}
	for i, p := range feedProblems {
		cases = append(cases, tc{name: fmt.Sprintf("feed %d", i), file: "[[feed]]\nname = \"W\"\n" + p})
	}
	cases = append(cases,
		tc{name: "name is a url", file: "[[feed]]\nname = \"https://x/y?token=SECRET\"\nurl = \"https://x/y?token=SECRET\""},
		tc{name: "duplicate", file: "[[feed]]\nname = \"W\"\nurl = \"https://x/y?token=SECRET\"\n[[feed]]\nname = \"W\"\nurl = \"https://x/y?token=SECRET\""},
		tc{name: "tokens", file: "admin_token = \"SECRET SECRET\"\n[alexa]\ntoken = \"SECRET\\tSECRET\""},
		tc{name: "token types", file: "admin_token = [\"SECRET\"]\n[alexa]\ntoken = { x = \"SECRET\" }"},
		tc{name: "psk short", file: "[wifi]\nssid = \"n\"\ncountry = \"DE\"\npsk = \"SECRET\""},
		tc{name: "psk long", file: "[wifi]\nssid = \"n\"\ncountry = \"DE\"\npsk = \"" + strings.Repeat("SECRET", 11) + "\""},
		tc{name: "psk 64", file: "[wifi]\nssid = \"n\"\ncountry = \"DE\"\npsk = \"" + strings.Repeat("SECRET", 10) + "SECR\""},
		tc{name: "psk non-ascii", file: "[wifi]\nssid = \"n\"\ncountry = \"DE\"\npsk = \"SECRETä1\""},
		tc{name: "psk without ssid", file: "[wifi]\npsk = \"SECRET123\""},
		tc{name: "syntax in secret line", file: "admin_token = \"SECRET\nrefresh = 5"},
		tc{name: "syntax after secret", file: "admin_token = \"SECRET\" SECRET"},
		tc{name: "syntax unquoted secret", file: "admin_token = SECRET"},
		tc{name: "syntax bad escape", file: "admin_token = \"SECRET\\qSECRET\""},
		tc{name: "syntax duplicate", file: "admin_token = \"SECRET\"\nadmin_token = \"SECRET\""},
		tc{name: "unknown key with secret value", file: "admin_tokn = \"SECRET\"\npasword = \"SECRET\""},
	)
	// Environment and flags.
	cases = append(cases,
		tc{name: "env feeds", env: []string{"CALENDARBOT_FEEDS=W=ftp://u:SECRET@x/y?t=SECRET,https://x/y?token=SECRET,=https://u:SECRET@x/?SECRET,X=https://u@x/?SECRET"}},
		tc{name: "env token", env: []string{"CALENDARBOT_ADMIN_TOKEN=SECRET SECRET", "CALENDARBOT_ALEXA_TOKEN=SECRET\x01"}},
		tc{name: "env typo", env: []string{"CALENDARBOT_ADMIN_TOKN=SECRET"}},
		tc{name: "flag feeds", args: []string{"--feed", "W=ftp://u:SECRET@x/y?t=SECRET", "--feed", "https://x/y?token=SECRET", "--feed", "W=https://x/%zz?SECRET"}},
		tc{name: "flag token", args: []string{"--admin-token", "SECRET SECRET"}},
		tc{name: "unknown flag with secret", args: []string{"--admin-tokn=SECRET"}},
		tc{name: "bad flag syntax", args: []string{"---admin-token=SECRET"}},
		tc{name: "positional secret", args: []string{"--no-pooling", "https://u:SECRET@x/?token=SECRET"}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			dir := t.TempDir()
			if c.file != "" {
				p := writeFile(t, dir, "calendarbot.toml", c.file)
				args = append([]string{"--config", p}, args...)
				if err := CheckFile(p); err == nil {
					t.Errorf("CheckFile: no error")
				} else if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("CheckFile error contains a secret:\n%s", err)
				}
			}
			_, err := Load(args, c.env)
			if err == nil {
				t.Fatalf("Load: no error")
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("Load error contains a secret:\n%s", err)
			}
			t.Log(stripDir(err.Error(), dir))
		})
	}
}
