package trmnl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/render"
)

// scrub must remove the token wherever it sits in the device's text, also
// where the text is cut to length: no part of it may be logged.
func TestScrubTokenAtTheCut(t *testing.T) {
	d := &device{mac: testMAC, token: testToken}
	const limit = 300
	for pad := 0; pad <= 4*limit; pad++ {
		for _, r := range []string{"x", "é", "€", "🎉"} {
			prefix := strings.Repeat(r, pad/len(r))
			msg := prefix + testToken + " and " + testMAC
			got := d.scrub(msg, limit)
			// Any 6 characters of the token are too many.
			for i := 0; i+6 <= len(testToken); i++ {
				if strings.Contains(got, testToken[i:i+6]) {
					t.Fatalf("%d × %q then the token: scrubbed text shows %q of it: ...%q", len(prefix)/len(r), r, testToken[i:i+6], got[max(len(got)-60, 0):])
				}
			}
			if strings.Contains(got, "D4:E5:F6") {
				t.Fatalf("%d × %q: the MAC is shown", len(prefix)/len(r), r)
			}
		}
	}
}

// A next change centuries away (time.Sub saturates) is no reason to
// wake every minute: the configured refresh applies.
func TestRefreshFarFuture(t *testing.T) {
	now := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	for _, next := range []time.Time{
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		now.Add(1<<63 - 1),
		now.Add(2 * time.Hour),
	} {
		s, err := New(Options{Refresh: 15 * time.Minute,
			Image:      func(context.Context, int, int, render.Mode) ([]byte, error) { return nil, nil },
			NextChange: func(context.Context) (time.Time, error) { return next, nil },
			Clock:      func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.refresh(context.Background()); got != 15*time.Minute {
			t.Errorf("next change %v: refresh %v, want 15m", next, got)
		}
	}
}
