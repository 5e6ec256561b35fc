package appliance

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeWatchdog struct {
	mu      sync.Mutex
	timeout time.Duration
	pings   int
	closed  bool // with the magic 'V'
}

func (w *fakeWatchdog) SetTimeout(d time.Duration) (time.Duration, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timeout = d
	return d, nil
}
func (w *fakeWatchdog) Ping() error { w.mu.Lock(); w.pings++; w.mu.Unlock(); return nil }
func (w *fakeWatchdog) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	return nil
}

func TestWatchdog(t *testing.T) {
	dev := &fakeWatchdog{}
	ctx, cancel := context.WithCancel(context.Background())
	var healthy atomic.Bool
	healthy.Store(true)
	ticks := 0
	var intervals []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		intervals = append(intervals, d)
		ticks++
		switch ticks {
		case 4: // after three healthy ticks the supervisor dies
			healthy.Store(false)
		case 8:
			cancel()
		}
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	var logs []string
	RunWatchdog(ctx, dev, WatchdogTimeout, WatchdogInterval, healthy.Load, after, func(f string, a ...any) { logs = append(logs, f) })
	if dev.timeout != 15*time.Second || intervals[0] != 5*time.Second {
		t.Errorf("timeout %v, interval %v", dev.timeout, intervals[0])
	}
	// one ping when armed, then ticks 1..3 healthy; tick 4 onwards not.
	if dev.pings != 4 {
		t.Errorf("pings = %d, want 4", dev.pings)
	}
	if !dev.closed {
		t.Error("no magic close on shutdown")
	}
}
