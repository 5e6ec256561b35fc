package calendar

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLimExperiment(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:s%d\r\nDTSTART:20260101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:x\r\nEND:VEVENT\r\n", i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	c, err := Parse([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	occ, probs := c.Expand(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), Limits{MaxPerSeries: 100000, Budget: time.Millisecond})
	runtime.ReadMemStats(&m1)
	t.Logf("%v occ=%d probs=%d alloc=%dMB", time.Since(t0), len(occ), len(probs), (m1.TotalAlloc-m0.TotalAlloc)>>20)
	if len(probs) > 0 {
		t.Log(probs[0], probs[len(probs)-1])
	}
	c2, _ := Parse([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20251201T000000Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), Options{})
	occ, probs = c2.Expand(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), DefaultLimits)
	t.Logf("before-window: occ=%d probs=%v", len(occ), probs)
}
