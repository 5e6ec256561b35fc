package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const feedOK = `
[[feed]]
name = "Work"
url = "https://example.com/work.ics"
`

func TestCheckFileExample(t *testing.T) {
	if err := CheckFile("testdata/example.toml"); err != nil {
		t.Fatalf("CheckFile(testdata/example.toml): %v", err)
	}
	c := mustLoad(t, []string{"--config", "testdata/example.toml"}, nil)
	if c.Listen != "0.0.0.0:8080" || c.TZ != "Europe/Berlin" || c.WindowFuture != DefaultWindowFuture ||
		len(c.Feeds) != 2 || c.Feeds[1].Bearer != "..." || c.Feeds[1].Headers["X-Api-Key"] != "..." ||
		c.Feeds[0].Color != "#0b6bcb" || c.AdminToken != "change-me" {
		t.Errorf("example.toml loaded as %+v", c)
	}
}

// TestExampleAppliance: the commented-out appliance sections of the
// example are valid once uncommented.
func TestExampleAppliance(t *testing.T) {
	data, err := os.ReadFile("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		for _, p := range []string{"# [", "# ssid", "# psk", "# country", "# hidden", "# hostname", "# address", "# gateway", "# dns", "# ntp",
			"# framebuffer", "# rotate", "# mode", "# refresh", "# setup", "# id", "# token", "# name"} {
			if strings.HasPrefix(l, p) {
				l = strings.TrimPrefix(l, "# ")
			}
		}
		lines = append(lines, l)
	}
	p := writeFile(t, t.TempDir(), "calendarbot.toml", strings.Join(lines, "\n"))
	c := mustLoad(t, []string{"--config", p}, nil)
	want := struct {
		W WiFi
		N Network
		C Clock
	}{
		WiFi{SSID: "MyNetwork", PSK: "my wifi password", Country: "DE"},
		Network{Hostname: "calendarbot", Address: "192.168.1.50/24", Gateway: "192.168.1.1", DNS: []string{"192.168.1.1"}},
		Clock{NTP: []string{"pool.ntp.org"}},
	}
	if !reflect.DeepEqual(c.WiFi, want.W) || !reflect.DeepEqual(c.Network, want.N) || !reflect.DeepEqual(c.Clock, want.C) {
		t.Errorf("got %+v %+v %+v", c.WiFi, c.Network, c.Clock)
	}
	if d := (Display{Framebuffer: "/dev/fb0", Rotate: 90, Mode: "color"}); c.Display != d {
		t.Errorf("display %+v, want %+v", c.Display, d)
	}
	if len(c.TRMNL.Devices) != 1 || c.TRMNL.Devices[0].Name != "Kitchen" || c.TRMNL.Refresh != 15*time.Minute || !c.TRMNL.Setup {
		t.Errorf("trmnl %+v", c.TRMNL)
	}
}

// TestFileErrors checks each error path of the file with its message,
// line and (for syntax errors) column. Files are named calendarbot.toml.
func TestFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // every line of CheckFile's error
	}{
		{"unknown key with suggestion", `listen = ":8080"
refersh = "5m"` + feedOK,
			"calendarbot.toml:2: unknown key 'refersh' (did you mean 'refresh'?)"},
		{"unknown key in table", "[window]\npats = \"1h\"" + feedOK,
			"calendarbot.toml:2: unknown key 'pats' in [window] (did you mean 'past'?)"},
		{"unknown key without suggestion", "bogus = 1" + feedOK,
			"calendarbot.toml:1: unknown key 'bogus' (known keys: listen, tz, now, refresh, admin_token, sample, window, cache, performance, alexa, log, fetch, display, trmnl, feed, wifi, network, clock)"},
		{"key of another table", "past = \"1h\"" + feedOK,
			"calendarbot.toml:1: unknown key 'past' (did you mean 'past' in [window]?)"},
		{"feed key at top level", "url = \"https://x/y\"" + feedOK,
			"calendarbot.toml:1: unknown key 'url' (did you mean 'url' in a [[feed]] table?)"},
		{"top-level key after a table", "[log]\nlevel = \"info\"\ntz = \"UTC\"" + feedOK,
			"calendarbot.toml:3: unknown key 'tz' in [log]: 'tz' is a top-level key; keys after a [table] header belong to that table, so move it above the first [table]"},
		{"unknown feed key", feedOK + "colour = \"#ffffff\"",
			"calendarbot.toml:5: unknown key 'colour' in [[feed]] (did you mean 'color'?)"},
		{"misspelt feed table", "[[feeds]]\nname = \"a\"\nurl = \"https://x/y\"",
			"calendarbot.toml:1: unknown key 'feeds' (did you mean 'feed'?)"},
		{"single brackets feed", "[feed]\nname = \"a\"\nurl = \"https://x/y\"",
			"calendarbot.toml:1: write [[feed]] (double brackets) for each feed, not [feed]"},
		{"bad tz", "tz = \"Europe/Berln\"" + feedOK,
			"calendarbot.toml:1: tz 'Europe/Berln' is not a known time zone (IANA name such as Europe/Berlin)"},
		{"bad listen", "listen = \"localhost\"" + feedOK,
			"calendarbot.toml:1: listen 'localhost' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or :8080)"},
		{"bad rotation", "[display]\nrotate = 45" + feedOK,
			"calendarbot.toml:2: display.rotate 45 is not 0, 90, 180 or 270"},
		{"rotation in quotes", "[display]\nrotate = \"90\"" + feedOK,
			"calendarbot.toml:2: display.rotate must be a whole number without quotes, not a string"},
		{"relative framebuffer", "[display]\nframebuffer = \"fb0\"" + feedOK,
			"calendarbot.toml:2: display.framebuffer 'fb0' must be an absolute device path such as /dev/fb0"},
		{"wrong type string", "listen = 8080" + feedOK,
			"calendarbot.toml:1: listen must be a string in quotes, not an integer"},
		{"bad duration", "\n\nrefresh = \"5 minutes\"" + feedOK,
			"calendarbot.toml:3: refresh '5 minutes' is not a duration (use a number with a unit: 90s, 5m, 1h30m, 14d)"},
		{"duration as number", "refresh = 300" + feedOK,
			"calendarbot.toml:1: refresh must be a string with a unit, e.g. refresh = \"5m\""},
		{"duration too short", "refresh = \"10s\"" + feedOK,
			"calendarbot.toml:1: refresh '10s' is too short (minimum 30s)"},
		{"window negative", "[window]\npast = \"-2h\"" + feedOK,
			"calendarbot.toml:2: window.past '-2h' is negative"},
		{"window too long", "[window]\nfuture = \"9000h\"\npast = \"400d\"" + feedOK,
			"calendarbot.toml:2: window.future '9000h' is too long (maximum 366d)\n" +
				"calendarbot.toml:3: window.past '400d' is too long (maximum 366d)"},
		{"negative size number", "[cache]\nmax_bytes = -1" + feedOK,
			"calendarbot.toml:2: cache.max_bytes '-1' is negative"},
		{"negative size string", "[fetch]\nmax_bytes = \"-20MiB\"" + feedOK,
			"calendarbot.toml:2: fetch.max_bytes '-20MiB' is negative"},
		{"bad size", "[cache]\nmax_bytes = \"4 megs\"" + feedOK,
			`calendarbot.toml:2: cache.max_bytes '4 megs' is not a size (use bytes or a number with KiB, MiB, GiB, KB, MB or GB, e.g. "4MiB")`},
		{"size float", "[cache]\nmax_bytes = 1.5" + feedOK,
			`calendarbot.toml:2: cache.max_bytes must be a byte count or a string such as "4MiB", not a number with a fraction`},
		{"quoted bool", "[performance]\npooling = \"false\"" + feedOK,
			"calendarbot.toml:2: performance.pooling must be true or false, without quotes"},
		{"bool wrong type", "[performance]\ncaching = 0" + feedOK,
			"calendarbot.toml:2: performance.caching must be true or false, not an integer"},
		{"table as value", "window = \"24h\"" + feedOK,
			"calendarbot.toml:1: 'window' must be a table, not a string (write [window] on its own line and the keys below it)"},
		{"local now", "now = 2025-01-06T09:00:00" + feedOK,
			"calendarbot.toml:1: now needs a UTC offset (e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z)"},
		{"bad now string", "now = \"tomorrow\"" + feedOK,
			"calendarbot.toml:1: now 'tomorrow' is not an RFC 3339 time (e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z)"},
		{"log level", "[log]\nlevel = \"trace\"\nformat = \"xml\"" + feedOK,
			"calendarbot.toml:2: log.level 'trace' is not one of debug, info, warn, error\n" +
				"calendarbot.toml:3: log.format 'xml' is not one of text, json"},
		{"token with space", "[alexa]\ntoken = \"a b\"" + feedOK,
			"calendarbot.toml:2: alexa.token contains white space or control characters"},

		{"bad scheme", "[[feed]]\nname = \"Work\"\n\nurl = \"ftp://example.com/x.ics\"",
			"calendarbot.toml:4: feed 'Work': url scheme 'ftp' not supported (use https, http, webcal or file)"},
		{"duplicate feed names", feedOK + feedOK + "[[feed]]\nname = \"work\"\nurl = \"https://x/y\"",
			"calendarbot.toml:7: feed 'Work' is defined twice (first at line 3); feed names must be unique\n" +
				"calendarbot.toml:10: feed 'work' is defined twice (first at line 3); feed names must be unique"},
		{"feed without name", "[[feed]]\nurl = \"https://x/y\"",
			"calendarbot.toml:1: feed #1 has no name (add name = \"Work\" or similar: it is shown instead of the URL)"},
		{"feed without url", feedOK + "[[feed]]\nname = \"Home\"",
			"calendarbot.toml:5: feed 'Home' has no url (add url = \"https://…\")"},
		{"feed empty url", "[[feed]]\nname = \"Home\"\nurl = \"\"",
			"calendarbot.toml:3: feed 'Home': url is empty"},
		{"feed bad name", "[[feed]]\nname = \"Büro\"\nurl = \"https://x/y\"",
			"calendarbot.toml:2: feed name 'Büro' may only contain letters, digits, space, '_', '.' and '-'"},
		{"feed name with space", "[[feed]]\nname = \" Work\"\nurl = \"https://x/y\"",
			"calendarbot.toml:2: feed name ' Work' starts or ends with a space"},
		{"feed empty name", "[[feed]]\nname = \"\"\nurl = \"https://x/y\"",
			"calendarbot.toml:2: feed name is empty"},
		{"feed not tables", "feed = \"https://x/y\"",
			"calendarbot.toml:1: 'feed' must be [[feed]] tables, not a string"},
		{"feed element not table", "feed = [\"https://x/y\"]",
			"calendarbot.toml:1: feed #1 must be a table with name and url, not a string"},
		{"feed name wrong type", "[[feed]]\nname = 1\nurl = \"https://x/y\"",
			"calendarbot.toml:2: feed #1: name must be a string in quotes, not an integer"},
		{"feed bad color", feedOK + "color = \"blue\"",
			"calendarbot.toml:5: feed 'Work': color 'blue' is not #RRGGBB (e.g. \"#0b6bcb\")"},
		{"feed username only", feedOK + "username = \"me\"",
			"calendarbot.toml:5: feed 'Work': username without password (basic authentication needs both)"},
		{"feed basic and bearer", feedOK + "username = \"me\"\npassword = \"pw\"\nbearer = \"tok\"",
			"calendarbot.toml:5: feed 'Work': use either bearer or username/password, not both"},
		{"feed credentials twice", "[[feed]]\nname = \"W\"\nurl = \"https://u:p@x/y\"\nusername = \"me\"\npassword = \"pw\"",
			"calendarbot.toml:4: feed 'W': credentials both in the url and in username/password; keep one"},
		{"feed bad header name", feedOK + "[feed.headers]\n\"X Key\" = \"v\"",
			"calendarbot.toml:6: feed 'Work': header name 'X Key' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"},
		{"feed header line break", feedOK + "[feed.headers]\nX-Key = \"a\\r\\nEvil: 1\"",
			"calendarbot.toml:6: feed 'Work': header 'X-Key': value contains a line break or NUL"},
		{"feed header not string", feedOK + "headers = { X-Key = 5 }",
			"calendarbot.toml:5: feed 'Work': header 'X-Key' must be a string in quotes, not an integer"},
		{"feed header duplicate", feedOK + "[feed.headers]\nx-key = \"a\"\nX-KEY = \"b\"",
			"calendarbot.toml:7: feed 'Work': header 'X-Key' is given twice (header names ignore case)"},
		{"feed header reserved", feedOK + "[feed.headers]\nhost = \"a\"",
			"calendarbot.toml:6: feed 'Work': header 'Host' cannot be set"},
		{"feed authorization conflict", feedOK + "bearer = \"t\"\n[feed.headers]\nAuthorization = \"Basic x\"",
			"calendarbot.toml:5: feed 'Work': header 'Authorization' conflicts with bearer/username; keep one"},
		{"inline feeds", `feed = [{name = "A", url = "https://x/a"}, {name = "B", url = "nope://x"}]`,
			"calendarbot.toml:1: feed 'B': url scheme 'nope' not supported (use https, http, webcal or file)"},
		{"headers of second feed", feedOK + "[[feed]]\nname = \"T\"\nurl = \"https://x/t\"\n[feed.headers]\nBad Name = 1",
			"calendarbot.toml:9:5: TOML syntax: expected '=' after key"},
		{"headers of second feed line", feedOK + "[[feed]]\nname = \"T\"\nurl = \"https://x/t\"\n[feed.headers]\nok = \"1\"\n\"Bad Name\" = \"1\"",
			"calendarbot.toml:10: feed 'T': header name 'Bad Name' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"},

		{"wifi", "[wifi]\nssid = \"net\"\npsk = \"short\"\ncountry = \"Germany\"\nbogus = 1" + feedOK,
			"calendarbot.toml:3: wifi.psk must be 8 to 63 characters or 64 hex digits (it has 5)\n" +
				"calendarbot.toml:4: wifi.country 'GERMANY' is not a two-letter country code (ISO 3166, e.g. DE, GB, US)\n" +
				"calendarbot.toml:5: unknown key 'bogus' in [wifi] (known keys: ssid, psk, country, hidden)"},
		{"wifi no country", "[wifi]\nssid = \"net\"\npsk = \"" + strings.Repeat("ab", 32) + "\"" + feedOK,
			"calendarbot.toml:2: wifi.ssid needs wifi.country too (two-letter code such as DE: the Wi-Fi radio stays off without it)"},
		{"wifi psk 64 non-hex", "[wifi]\nssid = \"net\"\ncountry = \"de\"\npsk = \"" + strings.Repeat("x", 64) + "\"" + feedOK,
			"calendarbot.toml:4: wifi.psk has 64 characters, so it must be 64 hex digits (a passphrase has 8 to 63 characters)"},
		{"wifi psk non-ascii", "[wifi]\nssid = \"net\"\ncountry = \"DE\"\npsk = \"pässwört\"" + feedOK,
			"calendarbot.toml:4: wifi.psk must use printable ASCII characters only"},
		{"wifi psk without ssid", "[wifi]\nssid = \"\"\npsk = \"12345678\"" + feedOK,
			"calendarbot.toml:3: wifi.psk is set but wifi.ssid is empty"},
		{"wifi long ssid", "[wifi]\nssid = \"" + strings.Repeat("s", 33) + "\"\ncountry = \"DE\"" + feedOK,
			"calendarbot.toml:2: wifi.ssid is longer than 32 bytes"},
		{"network", "[network]\nhostname = \"-bad\"\naddress = \"192.168.1.50\"\ngateway = \"10.0.0.1\"\ndns = [\"1.1.1.1\", \"dns.google\"]" + feedOK,
			"calendarbot.toml:2: network.hostname '-bad' is not a valid host name (letters, digits and '-', at most 63, not starting or ending with '-')\n" +
				"calendarbot.toml:3: network.address '192.168.1.50' is not an address with prefix length (e.g. \"192.168.1.50/24\"; leave it empty for DHCP)\n" +
				"calendarbot.toml:5: network.dns: 'dns.google' is not an IP address"},
		{"network gateway outside", "[network]\naddress = \"192.168.1.50/24\"\ngateway = \"10.0.0.1\"" + feedOK,
			"calendarbot.toml:3: network.gateway '10.0.0.1' is not in the network of address '192.168.1.50/24'"},
		{"network dhcp gateway", "[network]\ngateway = \"10.0.0.1\"\ndns = [\"10.0.0.1\"]" + feedOK,
			"calendarbot.toml:2: network.gateway needs network.address (with DHCP the gateway comes from the DHCP server)\n" +
				"calendarbot.toml:3: network.dns needs network.address (with DHCP the name servers come from the DHCP server)"},
		{"clock", "[clock]\nntp = [\n  \"pool.ntp.org\",\n  \"bad host\",\n  3,\n]" + feedOK,
			"calendarbot.toml:4: clock.ntp: 'bad host' is neither a host name nor an IP address\n" +
				"calendarbot.toml:5: clock.ntp: element 3 must be a string, not an integer"},
		{"clock not array", "[clock]\nntp = \"pool.ntp.org\"" + feedOK,
			"calendarbot.toml:2: clock.ntp must be an array of strings such as [\"a\", \"b\"], not a string"},

		{"syntax unquoted", "tz = Europe/Berlin" + feedOK,
			"calendarbot.toml:1:6: TOML syntax: unexpected character U+0045 'E' at start of value (strings need quotes: key = \"value\")"},
		{"syntax duplicate key", "tz = \"UTC\"\ntz = \"UTC\"" + feedOK,
			"calendarbot.toml:2:1: TOML syntax: key tz is already defined"},
		{"syntax unclosed table", "[window\npast = \"1h\"",
			"calendarbot.toml:1:8: TOML syntax: expected ']' to close table name"},
		{"no feeds", "listen = \":8080\"",
			"no feeds configured: add a [[feed]] table (name and url) to the config file, set CALENDARBOT_FEEDS=NAME=URL,..., or pass --feed NAME=URL (or --sample for the built-in sample calendar)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, "calendarbot.toml", tt.content)
			err := CheckFile(p)
			if err == nil {
				t.Fatalf("CheckFile: no error")
			}
			if got := stripDir(err.Error(), dir); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			// Load reports the same (its file problems come first).
			got := loadErr(t, dir, []string{"--config", p}, nil)
			if got != tt.want {
				t.Errorf("Load got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestCheckFileReportsAll: a file with many problems gets all of them, in
// line order.
func TestCheckFileReportsAll(t *testing.T) {
	err := CheckFile("testdata/broken.toml")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("CheckFile(testdata/broken.toml) = %v, want *Error", err)
	}
	want := []string{
		"testdata/broken.toml:4: listen 'everywhere' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or :8080)",
		"testdata/broken.toml:5: tz 'Europe/Berln' is not a known time zone (IANA name such as Europe/Berlin)",
		"testdata/broken.toml:6: unknown key 'refersh' (did you mean 'refresh'?)",
		"testdata/broken.toml:9: window.future '1 fortnight' is not a duration (use a number with a unit: 90s, 5m, 1h30m, 14d)",
		"testdata/broken.toml:12: cache.max_bytes '-4' is negative",
		"testdata/broken.toml:15: performance.caching must be true or false, without quotes",
		"testdata/broken.toml:20: feed 'Work': url scheme 'ftp' not supported (use https, http, webcal or file)",
		"testdata/broken.toml:21: unknown key 'colour' in [[feed]] (did you mean 'color'?)",
		"testdata/broken.toml:25: feed 'work' is defined twice (first at line 19); feed names must be unique",
		"testdata/broken.toml:30: wifi.psk must be 8 to 63 characters or 64 hex digits (it has 6)",
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error contains a secret:\n%s", err)
	}
}

func TestCheckFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.toml"), "missing.toml: cannot read config file: no such file"},
		{dir, ": cannot read config file: is a directory"},
	}
	for _, tt := range tests {
		err := CheckFile(tt.path)
		if err == nil || stripDir(err.Error(), dir) != tt.want && err.Error() != dir+tt.want {
			t.Errorf("CheckFile(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	big := writeFile(t, dir, "big.toml", "# "+strings.Repeat("x", MaxFileBytes))
	if err := CheckFile(big); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("CheckFile(big) = %v", err)
	}
}

func TestFileFeeds(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "etc")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, sub, "calendarbot.toml", "\xef\xbb\xbf"+`# with a BOM and CRLF`+"\r\n"+`
[[feed]]
name = "Rel"
url = "cals/home.ics"
[[feed]]
name = "Up"
url = "../shared/team.ics"
[[feed]]
name = "Abs"
url = "/var/lib/cal.ics"
[[feed]]
name = "Webcal"
url = "webcal://p01-caldav.icloud.com/published/2/TOKEN"
color = "#ABCDEF"
[[feed]]
name = "Basic"
url = "https://cal.example/x.ics"
username = "me"
password = "pw"
[[feed]]
name = "Hdr"
url = "https://cal.example/y.ics"
bearer = "tok"
[feed.headers]
x-api-key = "k"
Accept-Language = "de"
`)
	c := mustLoad(t, []string{"--config", p}, nil)
	want := []Feed{
		{Name: "Rel", URL: "file://" + filepath.ToSlash(filepath.Join(sub, "cals/home.ics"))},
		{Name: "Up", URL: "file://" + filepath.ToSlash(filepath.Join(dir, "shared/team.ics"))},
		{Name: "Abs", URL: "file:///var/lib/cal.ics"},
		{Name: "Webcal", URL: "https://p01-caldav.icloud.com/published/2/TOKEN", Color: "#abcdef"},
		{Name: "Basic", URL: "https://cal.example/x.ics", Username: "me", Password: "pw"},
		{Name: "Hdr", URL: "https://cal.example/y.ics", Bearer: "tok", Headers: map[string]string{"X-Api-Key": "k", "Accept-Language": "de"}},
	}
	if !reflect.DeepEqual(c.Feeds, want) {
		t.Errorf("Feeds =\n%+v\nwant\n%+v", c.Feeds, want)
	}
	if path, ok := c.Feeds[0].FilePath(); !ok || path != filepath.Join(sub, "cals/home.ics") {
		t.Errorf("FilePath = %q, %v", path, ok)
	}
	if _, ok := c.Feeds[3].FilePath(); ok {
		t.Errorf("FilePath of an https feed: ok")
	}
	// Relative paths are relative to the file's directory also when the
	// file is named by a relative path.
	t.Chdir(dir)
	c = mustLoad(t, []string{"--config", "etc/calendarbot.toml"}, nil)
	if c.Feeds[0].URL != want[0].URL || c.ConfigFile != "etc/calendarbot.toml" {
		t.Errorf("relative config: URL %q, ConfigFile %q", c.Feeds[0].URL, c.ConfigFile)
	}
}

func TestFilePathSpaces(t *testing.T) {
	f := Feed{URL: fileURL("/data/my cals/home.ics")}
	if f.URL != "file:///data/my%20cals/home.ics" {
		t.Errorf("URL = %q", f.URL)
	}
	if p, ok := f.FilePath(); !ok || p != "/data/my cals/home.ics" {
		t.Errorf("FilePath = %q, %v", p, ok)
	}
}
