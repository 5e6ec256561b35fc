package appliance

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// drawStarter stands in for `calendarbot bootscreen`: it records each
// command line with the boot.json it would draw, and exits at once.
type drawStarter struct {
	root  string
	mu    sync.Mutex
	args  [][]string
	state []BootState
}

// testBootScreenStarter is Options.BootScreenStarter in runAppliance.
var testBootScreenStarter Starter

type doneProc struct{ err error }

func (p doneProc) Wait() error            { return p.err }
func (p doneProc) Signal(os.Signal) error { return nil }
func (p doneProc) Kill() error            { return nil }
func (s *drawStarter) Start(path string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.args = append(s.args, append([]string{path}, args...))
	var st BootState
	b, err := os.ReadFile(filepath.Join(s.root, "run/calendarbot/boot.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		return nil, errors.New("no boot.json: " + err.Error())
	}
	s.state = append(s.state, st)
	return doneProc{}, nil
}

func runWithScreen(t *testing.T, root, cmdline string, m *fakeMounter, n *fakeNet) (*drawStarter, *fakeStarter, string) {
	t.Helper()
	writeFiles(t, root, map[string]string{"dev/fb0": ""})
	ds := &drawStarter{root: root}
	old := testBootScreenStarter
	testBootScreenStarter = ds
	defer func() { testBootScreenStarter = old }()
	st, out := runAppliance(t, root, cmdline, m, n)
	return ds, st, out
}

func TestBootScreenNoConfig(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sys/block"), 0o755)
	n := &fakeNet{links: []string{"lo", "eth0"}, lease: Lease{Addr: mustPrefix("10.0.2.15/24")}}
	ds, st, out := runWithScreen(t, root, "calendarbot.clockwait=0 calendarbot.port=8080 calendarbot.args=\"--now 2026-01-15T09:00:00Z\"", &fakeMounter{}, n)
	// The server is told to draw on the screen, before the extra args.
	want := []string{"/bin/calendarbot", "--sample", "--listen", "0.0.0.0:8080", "--framebuffer", "/dev/fb0", "--now", "2026-01-15T09:00:00Z"}
	if !reflect.DeepEqual(st.starts[0], want) {
		t.Errorf("server command = %q, want %q", st.starts[0], want)
	}
	if !strings.Contains(out, "screen: drawing the boot screen on /dev/fb0") {
		t.Errorf("console:\n%s", out)
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if len(ds.args) == 0 {
		t.Fatalf("the boot screen was never drawn:\n%s", out)
	}
	if got := ds.args[0]; !reflect.DeepEqual(got[:6], []string{"/bin/calendarbot", "bootscreen", "--framebuffer", "/dev/fb0", "--state", "/run/calendarbot/boot.json"}) {
		t.Errorf("bootscreen command = %q", got)
	}
	// Every step appears, in order; the missing file is the problem shown.
	var last BootState
	sawConfigError := false
	for _, s := range ds.state {
		if s.Error == "No calendarbot.toml on the SD card" && strings.Contains(s.Hint, "from any computer") {
			sawConfigError = true
		}
		last = s
	}
	if !sawConfigError {
		t.Errorf("no drawing showed the missing calendarbot.toml: %+v", ds.state)
	}
	var names []string
	for _, s := range last.Steps {
		names = append(names, s.Name)
	}
	if !reflect.DeepEqual(names, []string{StepDrivers, StepConfig, StepNetwork, StepClock, StepServer}) {
		t.Errorf("steps = %q", names)
	}
	if last.Steps[1].State != StateFailed {
		t.Errorf("config step = %+v", last.Steps[1])
	}
	// network.json says the network is up, for the server's screen.
	var ns NetStatus
	b, _ := os.ReadFile(filepath.Join(root, "run/calendarbot/network.json"))
	if json.Unmarshal(b, &ns); ns.State != "up" || ns.Addresses["eth0"] != "10.0.2.15/24" {
		t.Errorf("network.json = %s", b)
	}
}

func TestBootScreenProblemsRanked(t *testing.T) {
	b := &bootScreen{kick: make(chan struct{}, 1)}
	b.Problem(rankClock, "Clock not synced", "")
	b.Problem(rankConfig, "No calendarbot.toml on the SD card", "copy")
	b.Problem(rankNetwork, "No network connection", "")
	if st := b.State(); st.Error != "No calendarbot.toml on the SD card" || st.Hint != "copy" {
		t.Errorf("shown problem = %q / %q", st.Error, st.Hint)
	}
	// A nil boot screen (no framebuffer) does nothing.
	var none *bootScreen
	none.Step(StepClock, StateDone, "")
	none.Problem(rankClock, "x", "y")
	none.Finish()
	if none.Framebuffer() != "" {
		t.Error("nil boot screen has a framebuffer")
	}
}

func TestNoScreenNoFramebufferFlag(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"etc/calendarbot/calendarbot.toml": goodConfig})
	st, out := runAppliance(t, root, "calendarbot.config=/etc/calendarbot/calendarbot.toml calendarbot.clockwait=0", &fakeMounter{}, &fakeNet{})
	for _, a := range st.starts[0] {
		if a == "--framebuffer" {
			t.Errorf("server started with --framebuffer without a screen: %q", st.starts[0])
		}
	}
	if !strings.Contains(out, "no /dev/fb0: no screen") {
		t.Errorf("console lacks the no-screen line:\n%s", out)
	}
}
