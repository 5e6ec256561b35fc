package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, args, env []string) *Config {
	t.Helper()
	c, err := Load(args, env)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", args, env, err)
	}
	return c
}

// loadErr returns Load's error text with dir removed from file names.
func loadErr(t *testing.T, dir string, args, env []string) string {
	t.Helper()
	_, err := Load(args, env)
	if err == nil {
		t.Fatalf("Load(%q, %q): no error", args, env)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load: error %T is not *Error: %v", err, err)
	}
	return stripDir(err.Error(), dir)
}

func stripDir(s, dir string) string {
	if dir == "" {
		return s
	}
	return strings.ReplaceAll(s, dir+string(filepath.Separator), "")
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, []string{"--sample"}, nil)
	want := Default()
	want.Sample = true
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(--sample) =\n%+v\nwant\n%+v", c, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Listen", c.Listen, "127.0.0.1:8080"},
		{"TZ", c.TZ, "UTC"},
		{"Location", c.Location, time.UTC},
		{"Now", c.Now.IsZero(), true},
		{"Refresh", c.Refresh, 5 * time.Minute},
		{"WindowPast", c.WindowPast, 24 * time.Hour},
		{"WindowFuture", c.WindowFuture, 14 * 24 * time.Hour},
		{"CacheBytes", c.CacheBytes, int64(4 << 20)},
		{"Pooling", c.Pooling, true},
		{"Caching", c.Caching, true},
		{"Coalescing", c.Coalescing, true},
		{"AdminToken", c.AdminToken, ""},
		{"AlexaToken", c.AlexaToken, ""},
		{"MaxFeedBytes", c.MaxFeedBytes, int64(20 << 20)},
		{"FetchTimeout", c.FetchTimeout, 30 * time.Second},
		{"LogLevel", c.LogLevel, "info"},
		{"LogFormat", c.LogFormat, "text"},
		{"ConfigFile", c.ConfigFile, ""},
		{"Feeds", len(c.Feeds), 0},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestNoFeeds(t *testing.T) {
	got := loadErr(t, "", nil, nil)
	want := "no feeds configured: add a [[feed]] table (name and url) to the config file, set CALENDARBOT_FEEDS=NAME=URL,..., or pass --feed NAME=URL (or --sample for the built-in sample calendar)"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestPrecedence checks file < env < flags for each kind of setting.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "calendarbot.toml", `
listen = "127.0.0.1:1111"
refresh = "1m"
[cache]
max_bytes = "1MiB"
[performance]
pooling = false
[[feed]]
name = "FileFeed"
url = "https://file.example/a.ics"
`)
	cfg := "--config=" + file
	type get func(*Config) any
	listen := get(func(c *Config) any { return c.Listen })
	pooling := get(func(c *Config) any { return c.Pooling })
	caching := get(func(c *Config) any { return c.Caching })
	refresh := get(func(c *Config) any { return c.Refresh })
	cache := get(func(c *Config) any { return c.CacheBytes })
	feeds := get(func(c *Config) any {
		var names []string
		for _, f := range c.Feeds {
			names = append(names, f.Name+"="+f.URL)
		}
		return strings.Join(names, ",")
	})
	tests := []struct {
		name string
		args []string
		env  []string
		get  get
		want any
	}{
		// string
		{"string default", []string{"--sample"}, nil, listen, "127.0.0.1:8080"},
		{"string file", []string{cfg}, nil, listen, "127.0.0.1:1111"},
		{"string env over file", []string{cfg}, []string{"CALENDARBOT_LISTEN=:2222"}, listen, ":2222"},
		{"string flag over env", []string{cfg, "--listen", ":3333"}, []string{"CALENDARBOT_LISTEN=:2222"}, listen, ":3333"},
		{"empty env is unset", []string{cfg}, []string{"CALENDARBOT_LISTEN="}, listen, "127.0.0.1:1111"},
		{"last env entry wins", []string{cfg}, []string{"CALENDARBOT_LISTEN=:1", "CALENDARBOT_LISTEN=:2"}, listen, ":2"},
		// bool kill switch
		{"bool default", []string{"--sample"}, nil, caching, true},
		{"bool file", []string{cfg}, nil, pooling, false},
		{"bool env over file", []string{cfg}, []string{"CALENDARBOT_POOLING=true"}, pooling, true},
		{"bool env off", []string{"--sample"}, []string{"CALENDARBOT_CACHING=off"}, caching, false},
		{"bool flag over env", []string{"--sample", "--no-caching"}, []string{"CALENDARBOT_CACHING=true"}, caching, false},
		{"bool flag =false over env", []string{cfg, "--no-pooling=false"}, []string{"CALENDARBOT_POOLING=false"}, pooling, true},
		// duration
		{"duration file", []string{cfg}, nil, refresh, time.Minute},
		{"duration env over file", []string{cfg}, []string{"CALENDARBOT_REFRESH=2m"}, refresh, 2 * time.Minute},
		{"duration flag over env", []string{cfg, "--refresh=1h"}, []string{"CALENDARBOT_REFRESH=2m"}, refresh, time.Hour},
		// size
		{"size file", []string{cfg}, nil, cache, int64(1 << 20)},
		{"size env over file", []string{cfg}, []string{"CALENDARBOT_CACHE_MAX_BYTES=2MiB"}, cache, int64(2 << 20)},
		{"size flag over env", []string{cfg, "--cache-max-bytes=3000KB"}, []string{"CALENDARBOT_CACHE_MAX_BYTES=2MiB"}, cache, int64(3_000_000)},
		// feeds: each source replaces the lower ones' list
		{"feeds file", []string{cfg}, nil, feeds, "FileFeed=https://file.example/a.ics"},
		{"feeds env replace file", []string{cfg}, []string{"CALENDARBOT_FEEDS=Work=https://w.example/w.ics, Home=webcal://h.example/h.ics"}, feeds,
			"Work=https://w.example/w.ics,Home=https://h.example/h.ics"},
		{"feeds flags replace env and file", []string{cfg, "--feed", "A=https://a.example/a.ics", "--feed=B=https://b.example/b.ics?x=1,2"},
			[]string{"CALENDARBOT_FEEDS=Work=https://w.example/w.ics"}, feeds,
			"A=https://a.example/a.ics,B=https://b.example/b.ics?x=1,2"},
		// config file from the environment, flag wins
		{"config from env", nil, []string{"CALENDARBOT_CONFIG=" + file}, listen, "127.0.0.1:1111"},
		{"config flag over env", []string{cfg}, []string{"CALENDARBOT_CONFIG=/nonexistent.toml"}, listen, "127.0.0.1:1111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.args, tt.env)
			if got := tt.get(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAllSettingsFromEachSource(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "c.toml", `
listen = ":1"
tz = "Europe/Berlin"
now = 2025-01-06T09:00:00+01:00
refresh = "30s"
admin_token = "a"
sample = true
[window]
past = "0s"
future = "1d12h"
[cache]
max_bytes = 1024
[fetch]
timeout = "1s"
max_bytes = "1.5MB"
[performance]
pooling = false
caching = false
coalescing = false
[alexa]
token = "x"
[log]
level = "DEBUG"
format = "json"
[display]
framebuffer = "/dev/fb1"
rotate = 90
mode = "MONO"
[trmnl]
refresh = "15m"
base_url = "https://cal.example.com/cb/"
setup = false
`)
	want := &Config{
		Listen: ":1", TZ: "Europe/Berlin", Now: time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC),
		Refresh: 30 * time.Second, AdminToken: "a", Sample: true,
		WindowPast: 0, WindowFuture: 36 * time.Hour, CacheBytes: 1024,
		FetchTimeout: time.Second, MaxFeedBytes: 1_500_000, AlexaToken: "x",
		LogLevel: "debug", LogFormat: "json", ConfigFile: file,
		Display: Display{Framebuffer: "/dev/fb1", Rotate: 90, Mode: "mono"},
		TRMNL:   TRMNL{Refresh: 15 * time.Minute, BaseURL: "https://cal.example.com/cb", Setup: false},
	}
	check := func(t *testing.T, c *Config, fileName string) {
		t.Helper()
		if c.Location == nil || c.Location.String() != "Europe/Berlin" {
			t.Errorf("Location = %v", c.Location)
		}
		if !c.Now.Equal(want.Now) {
			t.Errorf("Now = %v, want %v", c.Now, want.Now)
		}
		w := *want
		w.ConfigFile = fileName
		got := *c
		got.Location, got.Now, w.Now = nil, time.Time{}, time.Time{}
		if !reflect.DeepEqual(&got, &w) {
			t.Errorf("got\n%+v\nwant\n%+v", got, w)
		}
	}
	t.Run("file", func(t *testing.T) {
		check(t, mustLoad(t, []string{"--config", file}, nil), file)
	})
	t.Run("env", func(t *testing.T) {
		env := []string{
			"CALENDARBOT_LISTEN=:1", "CALENDARBOT_TZ=Europe/Berlin", "CALENDARBOT_NOW=2025-01-06T09:00:00+01:00",
			"CALENDARBOT_REFRESH=30s", "CALENDARBOT_ADMIN_TOKEN=a", "CALENDARBOT_SAMPLE=yes",
			"CALENDARBOT_WINDOW_PAST=0s", "CALENDARBOT_WINDOW_FUTURE=1d12h", "CALENDARBOT_CACHE_MAX_BYTES=1024",
			"CALENDARBOT_FETCH_TIMEOUT=1s", "CALENDARBOT_FETCH_MAX_BYTES=1.5MB",
			"CALENDARBOT_POOLING=false", "CALENDARBOT_CACHING=0", "CALENDARBOT_COALESCING=no",
			"CALENDARBOT_ALEXA_TOKEN=x", "CALENDARBOT_LOG_LEVEL=DEBUG", "CALENDARBOT_LOG_FORMAT=json",
			"CALENDARBOT_FRAMEBUFFER=/dev/fb1", "CALENDARBOT_ROTATE=90", "CALENDARBOT_DISPLAY_MODE=mono",
			"CALENDARBOT_TRMNL_REFRESH=15m", "CALENDARBOT_TRMNL_BASE_URL=https://cal.example.com/cb/", "CALENDARBOT_TRMNL_SETUP=false",
			"PATH=/bin", "CALENDARBOT_CORPUS=/somewhere", // not ours: ignored
		}
		check(t, mustLoad(t, nil, env), "")
	})
	t.Run("flags", func(t *testing.T) {
		args := []string{
			"--listen=:1", "--tz", "Europe/Berlin", "--now=2025-01-06T09:00:00+01:00",
			"--refresh=30s", "--admin-token=a", "--sample",
			"--window-past=0s", "--window-future=1d12h", "--cache-max-bytes=1024",
			"--fetch-timeout=1s", "--fetch-max-bytes=1.5MB",
			"--no-pooling", "--no-caching", "--no-coalescing",
			"--alexa-token=x", "--log-level=DEBUG", "--log-format=json",
			"--framebuffer=/dev/fb1", "--rotate", "90", "--display-mode=Mono",
			"--trmnl-refresh=15m", "--trmnl-base-url", "https://cal.example.com/cb", "--no-trmnl-setup",
		}
		check(t, mustLoad(t, args, nil), "")
	})
}

func TestFeedSpecs(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec    string
		want    Feed
		wantErr string
	}{
		{spec: "Work=https://x/y.ics", want: Feed{Name: "Work", URL: "https://x/y.ics"}},
		{spec: " My Cal.2_b-c = https://x/y.ics ", want: Feed{Name: "My Cal.2_b-c", URL: "https://x/y.ics"}},
		{spec: "W=webcal://x/y.ics", want: Feed{Name: "W", URL: "https://x/y.ics"}},
		{spec: "W=WEBCALS://x/y.ics", want: Feed{Name: "W", URL: "https://x/y.ics"}},
		{spec: "W=http://x:8080/y.ics?a=b=c", want: Feed{Name: "W", URL: "http://x:8080/y.ics?a=b=c"}},
		{spec: "W=https://u:p@x/y.ics#frag", want: Feed{Name: "W", URL: "https://x/y.ics", Username: "u", Password: "p"}},
		{spec: "W=/abs/cal.ics", want: Feed{Name: "W", URL: "file:///abs/cal.ics"}},
		{spec: "W=file:///abs/my%20cal.ics", want: Feed{Name: "W", URL: "file:///abs/my%20cal.ics"}},
		{spec: "W=file://localhost/abs/cal.ics", want: Feed{Name: "W", URL: "file:///abs/cal.ics"}},
		{spec: "W=rel/cal.ics", want: Feed{Name: "W", URL: fileURL(filepath.Join(wd, "rel/cal.ics"))}},
		{spec: "https://x/y.ics", wantErr: "command line: --feed 'https://x/y.ics' is not NAME=URL (e.g. Work=https://example.com/work.ics)"},
		{spec: "Work", wantErr: "command line: --feed 'Work' is not NAME=URL (e.g. Work=https://example.com/work.ics)"},
		{spec: "=https://x/y.ics", wantErr: "command line: --feed '=https://x/y.ics' has no name before '=' (e.g. Work=https://example.com/work.ics)"},
		{spec: "Work=", wantErr: "command line: --feed feed 'Work' has no URL after '='"},
		{spec: "Wo!rk=https://x/y.ics", wantErr: "command line: --feed: feed name 'Wo!rk' may only contain letters, digits, space, '_', '.' and '-'"},
		{spec: strings.Repeat("n", 65) + "=https://x/y.ics", wantErr: "command line: --feed: feed name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn…' is longer than 64 characters"},
		{spec: "Work=ftp://x/y.ics", wantErr: "command line: --feed: feed 'Work': url scheme 'ftp' not supported (use https, http, webcal or file)"},
		{spec: "Work=https:///y.ics", wantErr: "command line: --feed: feed 'Work': url 'https:///y.ics' has no host (write https://host/path)"},
		{spec: "Work=file:rel.ics", wantErr: "command line: --feed: feed 'Work': url 'file:rel.ics' is not an absolute file URL (write file:///absolute/path, or just the path)"},
		{spec: "Work=file://host/x.ics", wantErr: "command line: --feed: feed 'Work': url 'file://host/x.ics' is not an absolute file URL (write file:///absolute/path, or just the path)"},
		{spec: "Work=https://u@x/y.ics", wantErr: "command line: --feed: feed 'Work': username without password (basic authentication needs both)"},
		{spec: "Work=https://x/%zz", wantErr: `command line: --feed: feed 'Work': url 'https://x/%zz' is not a valid URL (invalid URL escape "%zz")`},
		{spec: "Work=https://x:80a/y", wantErr: `command line: --feed: feed 'Work': url 'https://x:80a/y' is not a valid URL (invalid port ":80a" after host)`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			args := []string{"--feed", tt.spec}
			if tt.wantErr != "" {
				if got := loadErr(t, "", args, nil); got != tt.wantErr {
					t.Errorf("got  %q\nwant %q", got, tt.wantErr)
				}
				return
			}
			c := mustLoad(t, args, nil)
			if len(c.Feeds) != 1 || !reflect.DeepEqual(c.Feeds[0], tt.want) {
				t.Errorf("Feeds = %+v, want [%+v]", c.Feeds, tt.want)
			}
		})
	}
}

func TestFeedListErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"duplicate flags", []string{"--feed=Work=https://a/x", "--feed=work=https://b/x"}, nil,
			"command line: --feed: feed 'work' is given twice; feed names must be unique"},
		{"duplicate env", nil, []string{"CALENDARBOT_FEEDS=A=https://a/x,A=https://b/x"},
			"environment: CALENDARBOT_FEEDS: feed 'A' is given twice; feed names must be unique"},
		{"env bad item", nil, []string{"CALENDARBOT_FEEDS=A=https://a/x,oops"},
			"environment: CALENDARBOT_FEEDS 'oops' is not NAME=URL (e.g. Work=https://example.com/work.ics)"},
		{"env bad scheme", nil, []string{"CALENDARBOT_FEEDS=A=gopher://a/x"},
			"environment: CALENDARBOT_FEEDS: feed 'A': url scheme 'gopher' not supported (use https, http, webcal or file)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, "", tt.args, tt.env); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestEnvAndFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"env duration", nil, []string{"CALENDARBOT_REFRESH=5"},
			"environment: CALENDARBOT_REFRESH '5' is not a duration (use a number with a unit: 90s, 5m, 1h30m, 14d)"},
		{"env refresh too short", nil, []string{"CALENDARBOT_REFRESH=10s"},
			"environment: CALENDARBOT_REFRESH '10s' is too short (minimum 30s)"},
		{"env negative duration", nil, []string{"CALENDARBOT_WINDOW_PAST=-1h"},
			"environment: CALENDARBOT_WINDOW_PAST '-1h' is negative"},
		{"env window too long", nil, []string{"CALENDARBOT_WINDOW_FUTURE=400d"},
			"environment: CALENDARBOT_WINDOW_FUTURE '400d' is too long (maximum 366d)"},
		{"env size", nil, []string{"CALENDARBOT_CACHE_MAX_BYTES=4 MB s"},
			`environment: CALENDARBOT_CACHE_MAX_BYTES '4 MB s' is not a size (use bytes or a number with KiB, MiB, GiB, KB, MB or GB, e.g. "4MiB")`},
		{"env negative size", nil, []string{"CALENDARBOT_FETCH_MAX_BYTES=-1MiB"},
			"environment: CALENDARBOT_FETCH_MAX_BYTES '-1MiB' is negative"},
		{"env zero size", nil, []string{"CALENDARBOT_CACHE_MAX_BYTES=0"},
			"environment: CALENDARBOT_CACHE_MAX_BYTES '0' must be positive (the kill switches in [performance] turn features off)"},
		{"env bool", nil, []string{"CALENDARBOT_POOLING=maybe"},
			"environment: CALENDARBOT_POOLING 'maybe' is not a boolean (use true or false)"},
		{"env tz", nil, []string{"CALENDARBOT_TZ=Europe/Berln"},
			"environment: CALENDARBOT_TZ 'Europe/Berln' is not a known time zone (IANA name such as Europe/Berlin)"},
		{"env now", nil, []string{"CALENDARBOT_NOW=2025-01-06 09:00"},
			"environment: CALENDARBOT_NOW '2025-01-06 09:00' is not an RFC 3339 time (e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z)"},
		{"env listen", nil, []string{"CALENDARBOT_LISTEN=8080"},
			"environment: CALENDARBOT_LISTEN '8080' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or :8080)"},
		{"env listen port", nil, []string{"CALENDARBOT_LISTEN=:99999"},
			"environment: CALENDARBOT_LISTEN ':99999' has no valid port number (0 to 65535)"},
		{"env log level", nil, []string{"CALENDARBOT_LOG_LEVEL=verbose"},
			"environment: CALENDARBOT_LOG_LEVEL 'verbose' is not one of debug, info, warn, error"},
		{"env token", nil, []string{"CALENDARBOT_ADMIN_TOKEN=a b"},
			"environment: CALENDARBOT_ADMIN_TOKEN contains white space or control characters"},
		{"env typo", nil, []string{"CALENDARBOT_REFERSH=5m"},
			"environment: unknown variable CALENDARBOT_REFERSH (did you mean CALENDARBOT_REFRESH?)"},
		{"env missing config", nil, []string{"CALENDARBOT_CONFIG=/nonexistent/c.toml"},
			"environment: CALENDARBOT_CONFIG '/nonexistent/c.toml': cannot read config file: no such file"},
		{"flag duration", []string{"--fetch-timeout=1ms"}, nil,
			"command line: --fetch-timeout '1ms' is too short (minimum 1s)"},
		{"flag format", []string{"--log-format=xml"}, nil,
			"command line: --log-format 'xml' is not one of text, json"},
		{"flag missing config", []string{"--config=/nonexistent/c.toml"}, nil,
			"command line: --config '/nonexistent/c.toml': cannot read config file: no such file"},
		{"unknown flag", []string{"--refersh=5m"}, nil,
			"command line: unknown flag --refersh (did you mean --refresh?)"},
		{"unknown flag no-", []string{"--pooling=false"}, nil,
			"command line: unknown flag --pooling (did you mean --no-pooling?)"},
		{"unknown flag far", []string{"--xyzzy"}, nil,
			"command line: unknown flag --xyzzy"},
		{"flag needs argument", []string{"--tz"}, nil,
			"command line: flag needs an argument: --tz"},
		{"positional", []string{"--sample", "serve"}, nil,
			"command line: unexpected argument 1 'serve' (settings are flags such as --listen=HOST:PORT)"},
		{"several at once", []string{"--refresh=1s", "--tz=Nowhere/Land"}, []string{"CALENDARBOT_LOG_LEVEL=loud"},
			"environment: CALENDARBOT_LOG_LEVEL 'loud' is not one of debug, info, warn, error\n" +
				"command line: --tz 'Nowhere/Land' is not a known time zone (IANA name such as Europe/Berlin)\n" +
				"command line: --refresh '1s' is too short (minimum 30s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if len(args) == 0 || !strings.HasPrefix(tt.name, "positional") {
				args = append([]string{"--sample"}, args...)
			}
			got := loadErr(t, "", args, tt.env)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	_, err := Load([]string{"--help"}, nil)
	if !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("Load(--help) = %v, want pflag.ErrHelp", err)
	}
	u := FlagUsage()
	for _, s := range settings {
		if !strings.Contains(u, "--"+s.flag) || !strings.Contains(u, s.env) {
			t.Errorf("FlagUsage lacks --%s or %s", s.flag, s.env)
		}
	}
}

// TestFlagValuesOnCallersFlagSet: the caller can register the flags on its
// own set, add its own and parse once.
func TestFlagValuesOnCallersFlagSet(t *testing.T) {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fv := Flags(fs)
	open := fs.Bool("open", false, "caller's own flag")
	if err := fs.Parse([]string{"--open", "--tz=Asia/Tokyo", "--sample", "extra"}); err != nil {
		t.Fatal(err)
	}
	c, err := fv.Config([]string{"CALENDARBOT_TZ=Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if !*open || c.TZ != "Asia/Tokyo" || c.Location.String() != "Asia/Tokyo" || fs.Arg(0) != "extra" {
		t.Errorf("open=%v TZ=%q Location=%v args=%q", *open, c.TZ, c.Location, fs.Args())
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5m", 5 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"14d", 14 * 24 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{" 0 ", 0, true},
		{"336h", 14 * 24 * time.Hour, true},
		{"", 0, false},
		{"5", 0, false},
		{"d", 0, false},
		{"-1d", 0, false},
		{"1dd", 0, false},
		{"1x", 0, false},
		{"1d-1h", 0, false},
		{"99999999d", 0, false},
		{"9999999999h", 0, false},
	}
	for _, tt := range tests {
		got, msg := parseDuration(tt.in)
		if (msg == "") != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %q; want %v, ok=%v", tt.in, got, msg, tt.want, tt.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4MiB", 4 << 20, true},
		{"4 mib", 4 << 20, true},
		{"512KiB", 512 << 10, true},
		{"1GiB", 1 << 30, true},
		{"4MB", 4_000_000, true},
		{"4KB", 4000, true},
		{"1.5MiB", 3 << 19, true},
		{"1_000", 1000, true},
		{"100B", 100, true},
		{"1048576", 1 << 20, true},
		{"", 0, false},
		{"MiB", 0, false},
		{"4M", 0, false},
		{"4 TiB", 0, false},
		{"-4MiB", 0, false},
		{"1.2.3MB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, msg := parseSize(tt.in)
		if (msg == "") != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %v, %q; want %v, ok=%v", tt.in, got, msg, tt.want, tt.ok)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"listen", "tz", "now", "refresh", "admin_token", "window"}
	tests := map[string]string{
		"refersh":    "refresh",
		"Refresh":    "refresh",
		"lisen":      "listen",
		"tzz":        "tz",
		"admintoken": "admin_token",
		"windows":    "window",
		"colour":     "",
		"x":          "",
	}
	for in, want := range tests {
		if got := suggest(in, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
