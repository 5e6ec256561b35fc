package calendar

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/tools/icsgen"
)

// The refresh benchmarks measure what the server does when a feed changes:
// read the whole feed and expand the display window. The feed is the
// generated Outlook-style one the budget is stated for (~300 VEVENTs,
// 40 series, 90 EXDATEs, 40 overrides, Windows zone names, CRLF, folded).
func benchRefresh(b *testing.B, days int) {
	feed := icsgen.Generate(icsgen.Options{})
	now := icsgen.DefaultNow
	from, to := now.Add(-24*time.Hour), now.Add(time.Duration(days)*24*time.Hour)
	b.SetBytes(int64(len(feed)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		cal, err := Parse(feed, Options{})
		if err != nil {
			b.Fatal(err)
		}
		occ, _ := cal.Expand(from, to, DefaultLimits)
		n = len(occ)
	}
	b.ReportMetric(float64(n), "occurrences")
}

// BenchmarkRefreshDisplayWindow: now-1 day .. now+14 days (budget 15 ms).
func BenchmarkRefreshDisplayWindow(b *testing.B) { benchRefresh(b, 14) }

// BenchmarkRefreshYear: now-1 day .. now+365 days (budget 60 ms).
func BenchmarkRefreshYear(b *testing.B) { benchRefresh(b, 365) }

// BenchmarkExpandDisplayWindow is the re-expansion alone, which the server
// does as time moves without re-reading the feed.
func BenchmarkExpandDisplayWindow(b *testing.B) {
	feed := icsgen.Generate(icsgen.Options{})
	cal, err := Parse(feed, Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := icsgen.DefaultNow
	b.ReportAllocs()
	for b.Loop() {
		cal.Expand(now.Add(-24*time.Hour), now.Add(14*24*time.Hour), DefaultLimits)
	}
}

// BenchmarkCorpus expands all 144 corpus calendars over their windows and
// renders the JSON lines, as the corpus check does (budget: under 1 s).
func BenchmarkCorpus(b *testing.B) {
	root := corpusDir()
	type job struct {
		data     []byte
		from, to time.Time
	}
	var jobs []job
	add := func(dir string, from, to time.Time) {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.ics"))
		for _, f := range files {
			if d, err := os.ReadFile(f); err == nil {
				jobs = append(jobs, job{d, from, to})
			}
		}
	}
	cb := [2]time.Time{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	add("calendarbot", cb[0], cb[1])
	add("calendarbot/alexa", cb[0], cb[1])
	add("rie", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(jobs) == 0 {
		b.Skipf("corpus not found at %s", root)
	}
	b.ReportMetric(float64(len(jobs)), "files")
	for b.Loop() {
		for _, j := range jobs {
			cal, err := Parse(j.data, Options{})
			if err != nil {
				continue
			}
			occ, _ := cal.Expand(j.from, j.to, DefaultLimits)
			AppendJSONL(nil, occ)
		}
	}
}
