package appliance

import (
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeProc struct {
	exit    chan error
	signals chan os.Signal
}

func (p *fakeProc) Wait() error { return <-p.exit }
func (p *fakeProc) Signal(s os.Signal) error {
	p.signals <- s
	p.exit <- nil
	return nil
}
func (p *fakeProc) Kill() error { p.exit <- errors.New("killed"); return nil }

// fakeStarter starts processes that run for runFor (on the fake clock)
// and exit with status 1, or until stopped if block.
type fakeStarter struct {
	mu     sync.Mutex
	clk    *fakeClock
	runFor []time.Duration // per start; the last repeats
	block  bool
	starts [][]string
	procs  []*fakeProc
	err    error
}

func (s *fakeStarter) Start(path string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starts = append(s.starts, append([]string{path}, args...))
	if s.err != nil {
		return nil, s.err
	}
	io.WriteString(stdout, "hello from "+path+"\n")
	p := &fakeProc{exit: make(chan error, 2), signals: make(chan os.Signal, 1)}
	s.procs = append(s.procs, p)
	if !s.block {
		d := s.runFor[min(len(s.starts)-1, len(s.runFor)-1)]
		s.clk.advance(d)
		p.exit <- errors.New("exit status 1")
	}
	return p, nil
}

func TestSupervisorBackoff(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &fakeStarter{clk: clk, runFor: []time.Duration{0, 0, 0, 0, 0, 0, 0, 0, 2 * time.Minute, 0}}
	var waits []time.Duration
	var mu sync.Mutex
	after := func(d time.Duration) <-chan time.Time {
		mu.Lock()
		waits = append(waits, d)
		n := len(waits)
		mu.Unlock()
		if n == 11 {
			cancel()
		}
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	var logs []string
	s := &Supervisor{Name: "server", Path: "/bin/calendarbot", Args: []string{"--sample"}, Starter: st,
		Output: io.Discard, Logf: func(f string, a ...any) { logs = append(logs, f) }, Now: clk.Now, After: after}
	s.Run(ctx)
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 1, 2}
	for i := range want {
		want[i] *= time.Second
	}
	got := s.Backoffs()
	if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
		t.Errorf("backoffs = %v, want %v", got, want)
	}
	if s.Healthy() {
		t.Error("healthy after Run returned")
	}
}

func TestSupervisorStopsTheServer(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	st := &fakeStarter{clk: clk, block: true}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	s := &Supervisor{Name: "server", Path: "/bin/calendarbot", Starter: st, Output: newPrefixWriter(&out, "server | "),
		Logf: func(string, ...any) {}, Now: clk.Now, After: time.After}
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for !s.Healthy() {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if sig := <-st.procs[0].signals; sig.String() != "terminated" {
		t.Errorf("signal = %v", sig)
	}
	if out.String() != "server | hello from /bin/calendarbot\n" {
		t.Errorf("output = %q", out.String())
	}
}

func TestSupervisorMissingBinary(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	st := &fakeStarter{clk: clk, err: &os.PathError{Op: "fork/exec", Path: "/bin/calendarbot", Err: os.ErrNotExist}}
	ctx, cancel := context.WithCancel(context.Background())
	var logs []string
	after := func(d time.Duration) <-chan time.Time {
		if len(logs) >= 2 {
			cancel()
		}
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	s := &Supervisor{Name: "server", Path: "/bin/calendarbot", Starter: st, Output: io.Discard,
		Logf: func(f string, a ...any) { logs = append(logs, f) }, Now: clk.Now, After: after}
	s.Run(ctx)
	if len(logs) == 0 || !strings.Contains(logs[0], "no server binary") {
		t.Errorf("logs = %q", logs)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b strings.Builder
	w := newPrefixWriter(&b, "s | ")
	io.WriteString(w, "one\ntw")
	io.WriteString(w, "o\nthree")
	if b.String() != "s | one\ns | two\n" {
		t.Errorf("got %q", b.String())
	}
}
