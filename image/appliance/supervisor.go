package appliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Process is a started child process.
type Process interface {
	Wait() error
	Signal(os.Signal) error
	Kill() error
}

// Starter starts processes.
type Starter interface {
	Start(path string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error)
}

// ExecStarter starts processes with os/exec.
type ExecStarter struct{}

// Start implements Starter.
func (ExecStarter) Start(path string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, stdin, stdout, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return execProcess{cmd}, nil
}

type execProcess struct{ cmd *exec.Cmd }

func (p execProcess) Wait() error              { return p.cmd.Wait() }
func (p execProcess) Signal(s os.Signal) error { return p.cmd.Process.Signal(s) }
func (p execProcess) Kill() error              { return p.cmd.Process.Kill() }

// Backoff bounds of the supervisor.
const (
	MinBackoff = time.Second
	MaxBackoff = 60 * time.Second
	// StableRun is how long a run must last for the backoff to start
	// again at MinBackoff.
	StableRun = 60 * time.Second
	// StopGrace is how long the server has to exit after SIGTERM.
	StopGrace = 5 * time.Second
)

// Supervisor runs a process and restarts it when it exits, waiting
// MinBackoff, doubling up to MaxBackoff while it keeps failing; a run that
// lasted StableRun resets the backoff.
type Supervisor struct {
	Name    string
	Path    string
	Args    []string
	Env     []string
	Stdin   io.Reader
	Starter Starter
	Output  io.Writer // the process's stdout and stderr
	Logf    func(format string, args ...any)
	Now     func() time.Time
	After   func(time.Duration) <-chan time.Time

	running  atomic.Bool
	Restarts atomic.Int64 // restarts so far
	// Backoffs records the waits before restarts (for tests and status).
	mu       sync.Mutex
	backoffs []time.Duration
}

// Healthy reports whether the supervisor loop is alive. It stays true
// while the server crash-loops: a reboot would not fix a server that
// cannot start, and a reboot loop would hide the error from the screen.
func (s *Supervisor) Healthy() bool { return s.running.Load() }

// Backoffs returns the waits so far.
func (s *Supervisor) Backoffs() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.backoffs...)
}

// Run supervises until ctx ends, then stops the process (SIGTERM, then
// SIGKILL after StopGrace).
func (s *Supervisor) Run(ctx context.Context) {
	s.running.Store(true)
	defer s.running.Store(false)
	backoff := MinBackoff
	for ctx.Err() == nil {
		start := s.Now()
		p, err := s.Starter.Start(s.Path, s.Args, s.Env, s.Stdin, s.Output, s.Output)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				s.Logf("cannot start %s: the image has no server binary there (%v); retrying in %s", s.Path, err, backoff)
			} else {
				s.Logf("cannot start %s: %v; retrying in %s", s.Path, err, backoff)
			}
		} else {
			done := make(chan error, 1)
			go func() { done <- p.Wait() }()
			select {
			case err = <-done:
			case <-ctx.Done():
				s.stop(p, done)
				return
			}
			ran := s.Now().Sub(start)
			if ran >= StableRun {
				backoff = MinBackoff
			}
			why := "exited"
			if err != nil {
				why = "exited (" + err.Error() + ")"
			}
			s.Logf("%s %s after %s; restarting in %s", s.Name, why, ran.Round(time.Millisecond), backoff)
		}
		s.mu.Lock()
		s.backoffs = append(s.backoffs, backoff)
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-s.After(backoff):
		}
		s.Restarts.Add(1)
		backoff = min(backoff*2, MaxBackoff)
	}
}

func (s *Supervisor) stop(p Process, done <-chan error) {
	s.Logf("stopping %s", s.Name)
	p.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-s.After(StopGrace):
		s.Logf("%s did not stop within %s: killing it", s.Name, StopGrace)
		p.Kill()
		<-done
	}
}

// prefixWriter prefixes every line written through it. Partial lines are
// held until their newline (or until 4 KiB accumulate).
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

func newPrefixWriter(w io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{w: w, prefix: []byte(prefix)}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			if len(p.buf) >= 4096 {
				i = len(p.buf) - 1
			} else {
				break
			}
		}
		line := make([]byte, 0, len(p.prefix)+i+2)
		line = append(append(line, p.prefix...), p.buf[:i+1]...)
		if line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		p.buf = p.buf[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return len(b), nil // the console going away must not kill the server
		}
	}
	return len(b), nil
}

// cappedFile is a log file in RAM that is rotated (to NAME.1) when it
// reaches max bytes, so that logs cannot fill the memory.
type cappedFile struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File
	n    int64
}

func newCappedFile(path string, max int64) *cappedFile { return &cappedFile{path: path, max: max} }

func (c *cappedFile) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil && c.n+int64(len(b)) > c.max {
		c.f.Close()
		c.f = nil
		os.Rename(c.path, c.path+".1")
	}
	if c.f == nil {
		f, err := os.Create(c.path)
		if err != nil {
			return len(b), nil
		}
		c.f, c.n = f, 0
	}
	n, _ := c.f.Write(b)
	c.n += int64(n)
	return len(b), nil
}
