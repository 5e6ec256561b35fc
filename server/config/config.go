package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/server/tz"
)

// Defaults. Sizes are in bytes.
const (
	DefaultListen       = "127.0.0.1:8080"
	DefaultTZ           = "UTC"
	DefaultRefresh      = 5 * time.Minute
	MinRefresh          = 30 * time.Second
	DefaultWindowPast   = 24 * time.Hour
	DefaultWindowFuture = 14 * 24 * time.Hour
	MaxWindow           = 366 * 24 * time.Hour // for each of past and future
	DefaultCacheBytes   = 4 << 20
	DefaultMaxFeedBytes = 20 << 20
	DefaultFetchTimeout = 30 * time.Second
	MinFetchTimeout     = time.Second
	MaxFetchTimeout     = 10 * time.Minute
	DefaultLogLevel     = "info"
	DefaultLogFormat    = "text"
	MaxFeedNameLen      = 64
	// MaxFileBytes bounds the size of a configuration file.
	MaxFileBytes = 1 << 20
)

// Config is the complete, validated configuration. Durations, sizes and
// feed URLs are normalised (see Feed.URL); Location is TZ resolved.
type Config struct {
	Listen       string         // host:port to listen on
	TZ           string         // display time zone, IANA name
	Location     *time.Location // TZ resolved, never nil after Load
	Now          time.Time      // frozen clock; zero means the real clock
	Feeds        []Feed         // in the order given
	Refresh      time.Duration  // feed refresh interval, >= MinRefresh
	WindowPast   time.Duration  // expansion window before now, 0..MaxWindow
	WindowFuture time.Duration  // expansion window after now, (0..MaxWindow]
	CacheBytes   int64          // response cache budget, > 0
	Pooling      bool           // kill switch: feed connection pooling (shared keep-alive transport)
	Caching      bool           // kill switch: response cache
	Coalescing   bool           // kill switch: request coalescing
	AdminToken   string         // secret: required for state-changing requests not from loopback
	AlexaToken   string         // secret: bearer token for /api/alexa/*; "" disables those endpoints
	MaxFeedBytes int64          // largest feed body accepted, > 0
	FetchTimeout time.Duration  // per-fetch timeout
	LogLevel     string         // debug, info, warn or error
	LogFormat    string         // text or json
	Sample       bool           // serve the built-in sample calendar
	ConfigFile   string         // the file that was read, as named by the user; "" if none
	Display      Display        // the drawn screen (framebuffer)
	TRMNL        TRMNL          // the TRMNL device API

	// Appliance settings: parsed and validated, not acted on by the server.
	WiFi    WiFi
	Network Network
	Clock   Clock
}

// Display configures the screen the server draws itself.
type Display struct {
	Framebuffer string // Linux framebuffer device; "" draws nothing
	Rotate      int    // 0, 90, 180 or 270 degrees clockwise
	Mode        string // color, gray or mono
}

// Feed is one calendar feed.
type Feed struct {
	// Name is shown to users instead of the URL: 1 to 64 characters from
	// [A-Za-z0-9 _.-], unique (ignoring case), not starting or ending with a
	// space.
	Name string
	// URL is normalised to one of three forms: "https://…", "http://…"
	// (webcal:// and webcals:// become https://; user info is moved to
	// Username/Password) or "file:///absolute/path" (plain paths are made
	// absolute against the config file's directory, or the working
	// directory for feeds from flags and the environment). Use FilePath for
	// the local path of a file URL. Never log it: use RedactURL.
	URL   string
	Color string // "" or "#rrggbb" (lower case)
	// Basic authentication: both or neither. Password is a secret.
	Username, Password string
	// Bearer token (secret); never together with basic authentication.
	Bearer string
	// Extra request headers, canonical names (textproto), values secret.
	Headers map[string]string
}

// FilePath returns the local path of a file:// feed URL.
func (f Feed) FilePath() (string, bool) {
	p, ok := strings.CutPrefix(f.URL, "file://")
	if !ok {
		return "", false
	}
	return unescapePath(p), true
}

// Default returns the configuration used when nothing is set (no feeds).
func Default() *Config {
	return &Config{
		Listen:       DefaultListen,
		TZ:           DefaultTZ,
		Location:     time.UTC,
		Refresh:      DefaultRefresh,
		WindowPast:   DefaultWindowPast,
		WindowFuture: DefaultWindowFuture,
		CacheBytes:   DefaultCacheBytes,
		Pooling:      true,
		Caching:      true,
		Coalescing:   true,
		MaxFeedBytes: DefaultMaxFeedBytes,
		FetchTimeout: DefaultFetchTimeout,
		LogLevel:     DefaultLogLevel,
		LogFormat:    DefaultLogFormat,
		Display:      Display{Mode: "color"},
		TRMNL:        TRMNL{Refresh: DefaultTRMNLRefresh, Setup: true},
	}
}

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Where names the source: "FILE:LINE" or "FILE:LINE:COL" (or just FILE)
	// for the config file, "environment" or "command line"; "" for problems
	// of the combined configuration.
	Where string
	// Msg names the key, variable or flag concerned and says what to do.
	Msg string
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// Error reports every problem found, one per line. Load, FlagValues.Config
// and CheckFile return it (as *Error). No message contains a secret.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems; where is the default Where.
type problems struct {
	list []Problem
}

func (ps *problems) add(where, format string, args ...any) {
	ps.list = append(ps.list, Problem{Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}

// layer is what one source (file, environment, flags) sets.
type layer struct {
	values   map[string]any // setting key -> parsed, validated value
	feeds    []Feed
	feedsSet bool
	// [[trmnl.device]] (file only)
	trmnlDevices []TRMNLDevice
	trmnlSet     bool
	// appliance sections (file only)
	wifi    *WiFi
	network *Network
	clock   *Clock
}

func newLayer() *layer { return &layer{values: map[string]any{}} }

func (l *layer) applyTo(c *Config) {
	for _, s := range settings {
		if v, ok := l.values[s.key]; ok {
			s.set(c, v)
		}
	}
	if l.feedsSet {
		c.Feeds = l.feeds
	}
	if l.trmnlSet {
		c.TRMNL.Devices = l.trmnlDevices
	}
	if l.wifi != nil {
		c.WiFi = *l.wifi
	}
	if l.network != nil {
		c.Network = *l.network
	}
	if l.clock != nil {
		c.Clock = *l.clock
	}
}

// FlagValues holds the raw command-line values registered by Flags.
type FlagValues struct {
	fs      *pflag.FlagSet
	config  string
	strs    map[string]*string // setting key -> value
	bools   map[string]*bool   // setting key -> value (inverted for kill switches)
	feedArg []string
}

// Flags registers every configuration flag on fs. Values are parsed and
// validated by FlagValues.Config after fs.Parse, so that flag errors are
// reported together with all other problems and never echo a secret.
func Flags(fs *pflag.FlagSet) *FlagValues {
	fv := &FlagValues{fs: fs, strs: map[string]*string{}, bools: map[string]*bool{}}
	fs.StringVar(&fv.config, "config", "", "TOML configuration file (env CALENDARBOT_CONFIG)")
	for _, s := range settings {
		usage := s.usage
		switch {
		case s.inverted():
			usage += " (env " + s.env + "=false)"
		case s.kind == kindBool:
			usage += " (env " + s.env + "=true)"
		case s.def != "":
			usage += " (default " + s.def + "; env " + s.env + ")"
		default:
			usage += " (env " + s.env + ")"
		}
		if s.kind == kindBool {
			fv.bools[s.key] = fs.Bool(s.flag, false, usage)
		} else {
			fv.strs[s.key] = fs.String(s.flag, "", usage)
		}
		if s.key == "sample" {
			// --feed goes right before --sample in the usage text.
			fs.StringArrayVar(&fv.feedArg, "feed", nil,
				"feed as NAME=URL, repeatable; replaces the file's feeds (env CALENDARBOT_FEEDS)")
		}
	}
	return fv
}

// FlagUsage returns the usage text of the configuration flags.
func FlagUsage() string {
	fs := pflag.NewFlagSet("calendarbot", pflag.ContinueOnError)
	Flags(fs)
	return fs.FlagUsages()
}

// Load builds the configuration from args (the command line after the
// subcommand), environ (as from os.Environ) and the TOML file named by
// --config or CALENDARBOT_CONFIG, if any. It returns an *Error listing every
// problem, or an error wrapping pflag.ErrHelp for -h/--help.
func Load(args []string, environ []string) (*Config, error) {
	fs := pflag.NewFlagSet("calendarbot", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fv := Flags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, err
		}
		return nil, &Error{Problems: []Problem{{Where: "command line", Msg: flagParseMessage(fs, err)}}}
	}
	var ps problems
	for i, a := range fs.Args() {
		ps.add("command line", "unexpected argument %d '%s' (settings are flags such as --listen=HOST:PORT)", i+1, safeEcho(a))
	}
	cfg, err := fv.build(environ, &ps)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// Config builds the configuration from the flags parsed into fv's flag set
// (call after fs.Parse), environ and the config file. Positional arguments
// are the caller's business.
func (fv *FlagValues) Config(environ []string) (*Config, error) {
	var ps problems
	return fv.build(environ, &ps)
}

func (fv *FlagValues) build(environ []string, ps *problems) (*Config, error) {
	// Sources are read in order of precedence, so problems are listed in
	// that order too.
	env := envMap(environ)
	var fileLayer *layer
	path, where := fv.config, "command line: --config"
	if !fv.fs.Changed("config") {
		path, where = env["CALENDARBOT_CONFIG"], "environment: CALENDARBOT_CONFIG"
	}
	if path != "" {
		fileLayer = readFile(path, where, ps)
	}
	envLayer := readEnv(env, ps)
	flagLayer := fv.layer(ps)

	c := Default()
	if fileLayer != nil {
		fileLayer.applyTo(c)
		c.ConfigFile = path
	}
	envLayer.applyTo(c)
	flagLayer.applyTo(c)
	// A file that cannot be read or parsed would make the combined checks
	// report consequences ("no feeds") rather than causes.
	finish(c, ps, path == "" || fileLayer != nil)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckFile validates a configuration file on its own: it reports every
// problem Load would report for it with no environment variables and no
// flags (so a file without feeds is a problem). Nothing is started.
func CheckFile(path string) error {
	var ps problems
	l := readFile(path, "", &ps)
	c := Default()
	if l != nil {
		l.applyTo(c)
		c.ConfigFile = path
	}
	finish(c, &ps, l != nil)
	return ps.err()
}

// finish resolves derived fields and checks the combined configuration.
func finish(c *Config, ps *problems, combined bool) {
	if loc, ok := tz.LoadIANA(c.TZ); ok {
		c.Location = loc
	} // a bad zone has been reported by the layer that set it
	// Only when nothing else is wrong: other problems (a misspelt [[feed]],
	// a bad --feed) are usually the cause, and this would be noise.
	if combined && len(ps.list) == 0 && len(c.Feeds) == 0 && !c.Sample {
		ps.add("", "no feeds configured: add a [[feed]] table (name and url) to the config file, "+
			"set CALENDARBOT_FEEDS=NAME=URL,..., or pass --feed NAME=URL (or --sample for the built-in sample calendar)")
	}
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, envPrefix) {
			m[k] = v // later entries win, as in os/exec
		}
	}
	return m
}

func flagParseMessage(fs *pflag.FlagSet, err error) string {
	var ne *pflag.NotExistError
	var se *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &ne):
		name := ne.GetSpecifiedName()
		if ne.GetSpecifiedShortnames() != "" {
			return fmt.Sprintf("unknown flag -%s", safeEcho(ne.GetSpecifiedShortnames()))
		}
		var names []string
		fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		msg := fmt.Sprintf("unknown flag --%s", safeEcho(name))
		if fs.Lookup("no-"+name) != nil {
			return msg + fmt.Sprintf(" (did you mean --no-%s?)", name)
		}
		if s := suggest(name, names); s != "" {
			return msg + fmt.Sprintf(" (did you mean --%s?)", s)
		}
		return msg
	case errors.As(err, &se):
		arg, _, _ := strings.Cut(se.GetSpecifiedFlag(), "=")
		return fmt.Sprintf("bad flag syntax '%s' (use --name=value or --name value)", safeEcho(arg))
	}
	// pflag's remaining errors name the flag and, for bool flags, echo a
	// value that cannot be secret ("flag needs an argument: --tz",
	// `invalid argument "maybe" for "--no-pooling" flag`).
	return err.Error()
}

// safeEcho prepares a user-supplied value that failed validation for an
// error message: query strings, fragments and user info are removed (see
// RedactURL), control characters replaced, and long values shortened.
func safeEcho(s string) string {
	s = RedactURL(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return s
}

// baseDirOf returns the absolute directory of a config file, for relative
// feed paths.
func baseDirOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Dir(path)
	}
	return filepath.Dir(abs)
}

func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	return wd
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
