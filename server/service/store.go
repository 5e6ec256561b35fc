package service

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/calendarbot/calendarbot/server/calendar"
)

// FeedInfo is the service's view of one feed's health, published with each
// snapshot so that every answer can say how fresh its data is.
type FeedInfo struct {
	Name        string
	Color       string
	LastSuccess time.Time
	LastAttempt time.Time
	Error       string // redacted by the fetcher: names the feed, never its URL
	Stale       bool
	Events      int
	Problems    int
}

// State is one immutable published view: the merged snapshot plus feed
// health. Readers load it with one atomic read and never wait for a fetch.
type State struct {
	Snap        *calendar.Snapshot
	Feeds       []FeedInfo
	Initialized bool      // at least one refresh cycle has completed
	Updated     time.Time // last cycle in which every feed succeeded or was unchanged
}

// Store holds the current State and the user's skips.
type Store struct {
	state atomic.Pointer[State]

	mu       sync.Mutex
	skips    map[string]time.Time // occurrence ID -> skipped until
	skipsVer atomic.Uint64        // bumped on every change, part of cache keys
}

// NewStore returns a store with an empty, uninitialised state.
func NewStore() *Store {
	s := &Store{skips: make(map[string]time.Time)}
	s.state.Store(&State{Snap: &calendar.Snapshot{}})
	return s
}

// Load returns the current state.
func (s *Store) Load() *State { return s.state.Load() }

// Publish swaps in a new state.
func (s *Store) Publish(st *State) { s.state.Store(st) }

// maxSkips bounds the skip list: skipping is a button on a kiosk, not an
// unbounded store a remote client could fill.
const maxSkips = 1000

// Skip hides an occurrence until the given time. Occurrence IDs are stable
// across refreshes and restarts of the feed, so a skip survives both.
func (s *Store) Skip(id string, until, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	if _, ok := s.skips[id]; !ok && len(s.skips) >= maxSkips {
		return false
	}
	s.skips[id] = until
	s.skipsVer.Add(1)
	return true
}

// ClearSkips removes every skip and reports how many there were.
func (s *Store) ClearSkips(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	n := len(s.skips)
	clear(s.skips)
	s.skipsVer.Add(1)
	return n
}

func (s *Store) expireLocked(now time.Time) {
	for id, until := range s.skips {
		if !until.After(now) {
			delete(s.skips, id)
		}
	}
}

// Skipped returns a predicate for the skips in force at now. It copies the
// (small) set so the caller holds no lock while selecting.
func (s *Store) Skipped(now time.Time) func(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.skips) == 0 {
		return nil
	}
	active := make(map[string]struct{}, len(s.skips))
	for id, until := range s.skips {
		if until.After(now) {
			active[id] = struct{}{}
		}
	}
	return func(id string) bool { _, ok := active[id]; return ok }
}

// SkipsVersion changes whenever the skip set does.
func (s *Store) SkipsVersion() uint64 { return s.skipsVer.Load() }
