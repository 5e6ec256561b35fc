package appliance

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// gatedProc is a bootscreen drawing that lasts until its gate opens.
type gatedProc struct{ gate chan struct{} }

func (p gatedProc) Wait() error            { <-p.gate; return nil }
func (p gatedProc) Signal(os.Signal) error { return nil }
func (p gatedProc) Kill() error            { return nil }

// gatedStarter records like drawStarter; its first drawing lasts until gate
// is closed.
type gatedStarter struct {
	drawStarter
	gate chan struct{}
}

func (s *gatedStarter) Start(path string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	if _, err := s.drawStarter.Start(path, args, env, stdin, stdout, stderr); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.state) == 1 {
		return gatedProc{s.gate}, nil
	}
	return doneProc{}, nil
}

func (s *gatedStarter) drawings() []BootState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BootState(nil), s.state...)
}

// What changed while a drawing was in progress is drawn before Finish
// returns: the last boot picture (the one left if the server cannot start)
// shows the boot's final state and its problem, not a step "running".
func TestBootScreenFinishDrawsTheLastState(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"dev/fb0": "", "run/calendarbot/.keep": ""})
	s := &gatedStarter{drawStarter: drawStarter{root: root}, gate: make(chan struct{})}
	var out bytes.Buffer
	c := newConsole(&out, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := newBootScreen(ctx, c, Options{Root: root, ServerPath: "/bin/calendarbot", BootScreenStarter: s, After: time.After}, false)
	if b == nil {
		t.Fatal("no boot screen")
	}
	b.Step(StepConfig, StateRunning, "looking for the SD card")
	for len(s.drawings()) == 0 {
		time.Sleep(time.Millisecond)
	}
	// While the first drawing is on, the boot finds its problem and ends.
	b.Step(StepConfig, StateFailed, "no calendarbot.toml")
	b.Problem(rankConfig, "No calendarbot.toml on the SD card", "Copy one")
	finished := make(chan struct{})
	go func() {
		b.Finish()
		close(finished)
	}()
	for {
		b.mu.Lock()
		f := b.finished
		b.mu.Unlock()
		if f {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(s.gate)
	select {
	case <-finished:
	case <-time.After(2 * BootScreenTimeout):
		t.Fatal("Finish did not return")
	}
	d := s.drawings()
	last := d[len(d)-1]
	if last.Error != "No calendarbot.toml on the SD card" || last.Steps[1].State != StateFailed {
		t.Errorf("%d drawings; the last shows error %q, settings %+v", len(d), last.Error, last.Steps[1])
	}
	// Nothing draws after Finish.
	b.Step(StepClock, StateDone, "")
	time.Sleep(20 * time.Millisecond)
	if n := len(s.drawings()); n != len(d) {
		t.Errorf("%d drawings after Finish", n-len(d))
	}
}
