package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const trmnlToken = "0f3c9a5e7b2d4c6a8e1f3b5d7c9a2e4f"

func TestTRMNLDevices(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "c.toml", feedOK+`
[trmnl]
refresh = "15m"

[[trmnl.device]]
id = "a1-b2-c3-d4-e5-f6"
token = "`+trmnlToken+`"
name = "Kitchen"

[[trmnl.device]]
id = "01:02:03:04:05:06"
token = "another-long-token-123"
`)
	c := mustLoad(t, []string{"--config", p}, nil)
	want := TRMNL{Refresh: 15 * time.Minute, Setup: true, Devices: []TRMNLDevice{
		{ID: "A1:B2:C3:D4:E5:F6", Token: trmnlToken, Name: "Kitchen"},
		{ID: "01:02:03:04:05:06", Token: "another-long-token-123"},
	}}
	if !reflect.DeepEqual(c.TRMNL, want) {
		t.Errorf("TRMNL = %+v, want %+v", c.TRMNL, want)
	}
	r := c.Redacted()
	s := fmt.Sprintf("%+v", r)
	for _, secret := range []string{trmnlToken, "another-long-token", "A1:B2", "01:02:03"} {
		if strings.Contains(s, secret) {
			t.Errorf("Redacted() shows %q: %s", secret, s)
		}
	}
	if r.TRMNL.Devices[0].Name != "Kitchen" || c.TRMNL.Devices[0].Token != trmnlToken {
		t.Errorf("Redacted changed the wrong fields or the original: %+v / %+v", r.TRMNL, c.TRMNL)
	}
}

func TestTRMNLDefaults(t *testing.T) {
	c := mustLoad(t, []string{"--sample"}, nil)
	if c.TRMNL.Refresh != 5*time.Minute || c.TRMNL.Devices != nil || c.TRMNL.BaseURL != "" {
		t.Errorf("defaults: %+v", c.TRMNL)
	}
}

func TestTRMNLErrors(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"short token", `
[[trmnl.device]]
id = "A1:B2:C3:D4:E5:F6"
token = "short-secret"`,
			"calendarbot.toml:4: trmnl.device #1: token is shorter than 16 characters (generate one with: openssl rand -hex 16)"},
		{"token with space", `
[[trmnl.device]]
id = "A1:B2:C3:D4:E5:F6"
token = "secret with spaces inside"`,
			"calendarbot.toml:4: trmnl.device #1: token must be printable ASCII without spaces (it is sent in an HTTP header; generate one with: openssl rand -hex 16)"},
		{"bad mac", `
[[trmnl.device]]
id = "not-a-mac-secretish"
token = "` + trmnlToken + `"`,
			"calendarbot.toml:3: trmnl.device #1: id is not a MAC address (six hex pairs such as \"A1:B2:C3:D4:E5:F6\")"},
		{"missing", `
[[trmnl.device]]
name = "Hall"`,
			"calendarbot.toml:2: trmnl.device #1: has no id (the device's MAC address, e.g. id = \"A1:B2:C3:D4:E5:F6\", shown in the TRMNL's Wi-Fi setup page)\n" +
				"calendarbot.toml:2: trmnl.device #1: has no token (16 or more random characters the device sends as Access-Token; generate one with: openssl rand -hex 16)"},
		{"duplicate", `
[[trmnl.device]]
id = "A1:B2:C3:D4:E5:F6"
token = "` + trmnlToken + `"
[[trmnl.device]]
id = "a1-b2-c3-d4-e5-f6"
token = "` + trmnlToken + `"`,
			"calendarbot.toml:6: trmnl.device #2: the same device (MAC address) is already configured at line 3"},
		{"misspelt key", `
[[trmnl.device]]
id = "A1:B2:C3:D4:E5:F6"
tokn = "` + trmnlToken + `"`,
			"calendarbot.toml:2: trmnl.device #1: has no token (16 or more random characters the device sends as Access-Token; generate one with: openssl rand -hex 16)\n" +
				"calendarbot.toml:4: unknown key 'tokn' in [[trmnl.device]] (did you mean 'token'?)"},
		{"misspelt table key", `
[trmnl]
refesh = "5m"`,
			"calendarbot.toml:3: unknown key 'refesh' in [trmnl] (did you mean 'refresh'?)"},
		{"single brackets", `
[trmnl.device]
id = "A1:B2:C3:D4:E5:F6"`,
			"calendarbot.toml:2: write [[trmnl.device]] (double brackets) for each device, not a table"},
		{"refresh too short", `
[trmnl]
refresh = "10s"`,
			"calendarbot.toml:3: trmnl.refresh '10s' is too short (minimum 1m)"},
		{"base url", `
[trmnl]
base_url = "calendar.example.com"`,
			"calendarbot.toml:3: trmnl.base_url 'calendar.example.com' is not an absolute http:// or https:// URL (e.g. https://calendar.example.com)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, "calendarbot.toml", tt.content+feedOK)
			err := CheckFile(p)
			if err == nil {
				t.Fatal("CheckFile: no error")
			}
			got := stripDir(err.Error(), dir)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if strings.Contains(got, trmnlToken) || strings.Contains(got, "short-secret") || strings.Contains(got, "secretish") {
				t.Errorf("error echoes a secret or ID: %s", got)
			}
		})
	}
}
