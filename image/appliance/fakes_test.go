package appliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe bytes.Buffer.
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

// fakeClock is a settable clock.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	sets []time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Set(t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = t
	f.sets = append(f.sets, t)
	return nil
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// fired returns an after function that fires at once and records waits.
func fired(rec *[]time.Duration, mu *sync.Mutex) func(time.Duration) <-chan time.Time {
	return func(d time.Duration) <-chan time.Time {
		if rec != nil {
			mu.Lock()
			*rec = append(*rec, d)
			mu.Unlock()
		}
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
}

type fakeMount struct {
	Source, Target, FSType string
	Flags                  uintptr
	Data                   string
}

// fakeMounter records mounts and "mounts" by copying files from a
// directory into the target.
type fakeMounter struct {
	mu     sync.Mutex
	mounts []fakeMount
	files  map[string]string // name -> content placed in the target
	err    error
}

func (m *fakeMounter) Mount(source, target, fstype string, flags uintptr, data string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mounts = append(m.mounts, fakeMount{source, target, fstype, flags, data})
	if m.err != nil {
		return m.err
	}
	for name, content := range m.files {
		if err := os.WriteFile(filepath.Join(target, name), []byte(content), 0o444); err != nil {
			return err
		}
	}
	return nil
}

type fakeLoader struct {
	loaded  []string
	missing map[string]bool
	fail    map[string]bool
}

func (l *fakeLoader) Load(name string) error {
	if l.missing[name] {
		return ErrModuleNotFound
	}
	if l.fail[name] {
		return errors.New("exec format error")
	}
	l.loaded = append(l.loaded, name)
	return nil
}

type fakeNet struct {
	mu       sync.Mutex
	links    []string
	up       []string
	hostname string
	statics  []string
	lease    Lease
}

func (n *fakeNet) Links() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.links...), nil
}

func (n *fakeNet) Up(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.up = append(n.up, name)
	return nil
}

func (n *fakeNet) DHCP(ctx context.Context, name string) (Lease, error) { return n.lease, nil }

func (n *fakeNet) Static(name string, addr netip.Prefix, gw netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.statics = append(n.statics, name+" "+addr.String()+" via "+gw.String())
	return nil
}

func (n *fakeNet) SetHostname(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hostname = name
	return nil
}

// writeFiles creates files under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testConsole() (*console, *syncBuffer) {
	var b syncBuffer
	return newConsole(&b, time.Now), &b
}

var _ io.Writer = (*syncBuffer)(nil)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
