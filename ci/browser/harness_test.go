package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Time limits. Every external process runs under one of them.
const (
	chromiumTimeout = 60 * time.Second
	buildTimeout    = 5 * time.Minute
	startTimeout    = 20 * time.Second
	// virtualTime is how long the page's timers run before the DOM is
	// dumped or the screenshot taken (Chromium's virtual clock).
	virtualTime = 3 * time.Second
)

// ---- Chromium -------------------------------------------------------------

// chromiumPath finds the browser: $CALENDARBOT_CHROMIUM when set (a path or
// a command name; set it to a nonexistent path to simulate a machine without
// Chromium), else chromium or chromium-browser on $PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CALENDARBOT_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	var firstErr error
	for _, name := range []string{"chromium", "chromium-browser"} {
		p, err := exec.LookPath(name)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", firstErr
}

// requireChromium skips the test LOUDLY when Chromium is missing, and fails
// it under CI=true: CI must never pass without having run the browser.
func requireChromium(t *testing.T) string {
	t.Helper()
	p, err := chromiumPath()
	if err == nil {
		return p
	}
	const msg = "SKIPPING BROWSER TEST: chromium not installed; run ci/deps.sh --install"
	banner := strings.Repeat("!", len(msg))
	detail := fmt.Sprintf("(lookup: %v)", err)
	if os.Getenv("CI") == "true" {
		t.Fatalf("\n%s\n%s\n%s\nCI=true: the kiosk browser test must run in CI, so this is a failure. %s",
			banner, strings.Replace(msg, "SKIPPING", "CANNOT RUN", 1), banner, detail)
	}
	loudOnce.Do(func() { shout(fmt.Sprintf("\n%s\n%s\n%s\n", banner, msg, banner)) })
	t.Skipf("%s %s", msg, detail)
	return ""
}

var loudOnce sync.Once

// shout writes s to the test's stderr and, because `go test ./...` hides
// the output of passing packages, also to the terminal when there is one.
func shout(s string) {
	fmt.Fprint(os.Stderr, s)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprint(tty, s)
		tty.Close()
	}
}

// browser runs headless Chromium, one fresh profile per run.
type browser struct {
	path string
}

// page is what one Chromium run produced.
type pageResult struct {
	DOM     string   // --dump-dom output (empty for screenshots)
	Console []string // console messages the page logged (errors, CSP violations)
	Stderr  string
}

var consoleRE = regexp.MustCompile(`:CONSOLE[:(]`)

// run starts Chromium with the common flags plus extra, and waits for it
// (at most chromiumTimeout). Chromium may only reach 127.0.0.1.
func (b browser) run(t *testing.T, extra ...string) pageResult {
	t.Helper()
	home := t.TempDir()
	args := []string{
		"--headless=new",
		"--no-sandbox", // root in containers
		"--disable-gpu",
		"--disable-quic",
		"--no-first-run",
		"--no-default-browser-check",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--disable-extensions",
		"--disable-default-apps",
		"--disable-features=Translate,MediaRouter,OptimizationHints",
		"--no-proxy-server",
		"--disable-crash-reporter",
		"--disable-breakpad",
		"--mute-audio",
		"--hide-scrollbars",
		"--force-device-scale-factor=1",
		"--lang=en-US",
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--user-data-dir=" + filepath.Join(home, "profile"),
		"--enable-logging=stderr", "--v=0", // console messages go to stderr
		fmt.Sprintf("--virtual-time-budget=%d", virtualTime.Milliseconds()),
	}
	args = append(args, extra...)

	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.path, args...)
	cmd.Env = append(os.Environ(),
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "TZ=UTC")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	// Whatever happened, nothing Chromium started may outlive the run.
	killProcessGroup(cmd)
	killStragglers(home + string(filepath.Separator))
	t.Logf("chromium %s: %v", lastArg(extra), time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish within %v (killed)\nstderr:\n%s", chromiumTimeout, tail(stderr.String(), 3000))
	}
	if err != nil {
		t.Fatalf("chromium failed: %v\nstderr:\n%s", err, tail(stderr.String(), 3000))
	}
	r := pageResult{DOM: stdout.String(), Stderr: stderr.String()}
	for _, line := range strings.Split(r.Stderr, "\n") {
		if consoleRE.MatchString(line) {
			r.Console = append(r.Console, line)
		}
	}
	return r
}

// dumpDOM loads url, lets its scripts run for virtualTime and returns the
// serialized DOM.
func (b browser) dumpDOM(t *testing.T, url string) pageResult {
	t.Helper()
	r := b.run(t, "--window-size=480,800", "--dump-dom", url)
	if !strings.Contains(r.DOM, "</html>") {
		t.Fatalf("chromium --dump-dom printed no page for %s:\n%s\nstderr:\n%s", url, tail(r.DOM, 2000), tail(r.Stderr, 2000))
	}
	return r
}

// screenshot loads url in a w×h window and writes a PNG to file; it checks
// that the file decodes to exactly w×h and is not a blank image.
func (b browser) screenshot(t *testing.T, url, file string, w, h int) pageResult {
	t.Helper()
	_ = os.Remove(file)
	r := b.run(t, fmt.Sprintf("--window-size=%d,%d", w, h), "--screenshot="+file, url)
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no screenshot: %v\nstderr:\n%s", err, tail(r.Stderr, 2000))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		t.Fatalf("screenshot %s is empty (%v)", file, err)
	}
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", file, err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: w, Y: h}) {
		t.Errorf("screenshot %s is %dx%d, want %dx%d", file, got.X, got.Y, w, h)
	}
	if n := distinctColors(img, 64); n < 8 {
		t.Errorf("screenshot %s looks blank: only %d distinct colours", file, n)
	}
	t.Logf("screenshot %dx%d (%d bytes): %s", w, h, st.Size(), file)
	return r
}

// distinctColors counts the colours of img, stopping at limit.
func distinctColors(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// artifactsDir is $ARTIFACTS_DIR, else ci/browser/artifacts (git-ignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	return dir
}

// ---- the CalendarBot server ------------------------------------------------

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// TestMain removes the built binary when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// calendarbotBinary builds ./server/cmd/calendarbot once per test run.
func calendarbotBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			buildErr = err
			return
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			buildErr = fmt.Errorf("repository root not found at %s: %w", root, err)
			return
		}
		binDir, buildErr = os.MkdirTemp("", "calendarbot-browser-test-")
		if buildErr != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		binPath = filepath.Join(binDir, "calendarbot")
		cmd := exec.CommandContext(ctx, goTool, "build", "-o", binPath, "./server/cmd/calendarbot")
		cmd.Dir = root
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./server/cmd/calendarbot: %v\n%s", err, out)
			return
		}
		t.Logf("built calendarbot in %v", time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running calendarbot serve process.
type server struct {
	URL    string // http://127.0.0.1:PORT/
	stderr *syncBuffer
}

// startServer runs `calendarbot serve --listen 127.0.0.1:0 args...` and
// waits for its "CalendarBot is serving on URL" line. The process is killed
// when the test ends, whatever happens.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	bin := calendarbotBinary(t)
	args = append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	// Only our flags: no config file or CALENDARBOT_* from the environment.
	cmd.Env = slicesDeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "CALENDARBOT_") })
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{stderr: &syncBuffer{}}
	cmd.Stderr = s.stderr
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start calendarbot: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		cancel() // kills the process group
		<-exited
		if t.Failed() {
			t.Logf("calendarbot %s stderr:\n%s", strings.Join(args, " "), tail(s.stderr.String(), 4000))
		}
	})

	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "CalendarBot is serving on "); ok {
				select {
				case urls <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case s.URL = <-urls:
	case <-exited:
		t.Fatalf("calendarbot exited before serving (%v)\nstderr:\n%s", cmd.ProcessState, tail(s.stderr.String(), 4000))
	case <-time.After(startTimeout):
		t.Fatalf("calendarbot did not print its URL within %v\nstderr:\n%s", startTimeout, tail(s.stderr.String(), 4000))
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("calendarbot serves on %q, want http://127.0.0.1:PORT/", s.URL)
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func slicesDeleteFunc(s []string, del func(string) bool) []string {
	out := s[:0]
	for _, x := range s {
		if !del(x) {
			out = append(out, x)
		}
	}
	return out
}

// ---- the dumped DOM --------------------------------------------------------

// node is an element of the dumped DOM, or a text node (Tag == "").
type node struct {
	Tag    string
	Attr   map[string]string
	Text   string
	Kids   []*node
	Parent *node
}

// parseDOM reads Chromium's serialized DOM with encoding/xml in its lenient
// HTML mode (void elements are closed automatically).
func parseDOM(src string) (*node, error) {
	d := xml.NewDecoder(strings.NewReader(src))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{Tag: "#document"}
	cur := root
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Tag: strings.ToLower(tok.Name.Local), Attr: map[string]string{}, Parent: cur}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				n.Attr[strings.ToLower(name)] = a.Value
			}
			cur.Kids = append(cur.Kids, n)
			cur = n
		case xml.EndElement:
			if cur.Parent != nil {
				cur = cur.Parent
			}
		case xml.CharData:
			cur.Kids = append(cur.Kids, &node{Text: string(tok), Parent: cur})
		}
	}
	return root, nil
}

// walk calls f for n and every element below it, depth first.
func (n *node) walk(f func(*node)) {
	if n == nil {
		return
	}
	if n.Tag != "" {
		f(n)
	}
	for _, k := range n.Kids {
		k.walk(f)
	}
}

func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	n.walk(func(e *node) {
		if match(e) {
			out = append(out, e)
		}
	})
	return out
}

func (n *node) byID(id string) *node {
	if m := n.all(func(e *node) bool { return e.Attr["id"] == id }); len(m) > 0 {
		return m[0]
	}
	return nil
}

func (n *node) hasClass(c string) bool {
	return n != nil && containsWord(n.Attr["class"], c)
}

// byClass is the first element below n with class c.
func (n *node) byClass(c string) *node {
	if n == nil {
		return nil
	}
	if m := n.all(func(e *node) bool { return e != n && e.hasClass(c) }); len(m) > 0 {
		return m[0]
	}
	return nil
}

// text is the element's text content with white space collapsed.
func (n *node) text() string { return n.textOf(false) }

// visibleText is text without the subtrees marked hidden.
func (n *node) visibleText() string { return n.textOf(true) }

func (n *node) textOf(skipHidden bool) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var rec func(*node)
	rec = func(x *node) {
		if x.Tag == "" {
			b.WriteString(x.Text)
			return
		}
		if _, hidden := x.Attr["hidden"]; skipHidden && hidden {
			return
		}
		for _, k := range x.Kids {
			rec(k)
		}
	}
	rec(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// shown: neither the element nor an ancestor has the hidden attribute.
func (n *node) shown() bool {
	if n == nil {
		return false
	}
	for x := n; x != nil; x = x.Parent {
		if _, ok := x.Attr["hidden"]; ok {
			return false
		}
	}
	return true
}

func containsWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

// ---- small helpers ---------------------------------------------------------

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func lastArg(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[len(a)-1]
}
