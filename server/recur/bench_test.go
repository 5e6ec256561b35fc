package recur

import (
	"testing"
	"time"
)

// benchInstances measures one instance per op, so ns/op is ns/instance
// (iterator construction amortised over up to a million instances).
func benchInstances(b *testing.B, rule string) {
	r := mustParse(b, rule)
	dt := wall("20000103T090000")
	var it *Iterator
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if it == nil {
			it = r.Iter(dt, time.Time{}, Limits{})
		}
		if _, ok := it.Next(); !ok {
			it = nil
			i--
		}
	}
}

func BenchmarkIterDaily(b *testing.B) { benchInstances(b, "FREQ=DAILY") }
func BenchmarkIterWeeklyByDay(b *testing.B) {
	benchInstances(b, "FREQ=WEEKLY;BYDAY=MO,WE,FR")
}
func BenchmarkIterMonthlyBySetPos(b *testing.B) {
	benchInstances(b, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
}
func BenchmarkIterYearlyByWeekNo(b *testing.B) {
	benchInstances(b, "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO")
}
func BenchmarkIterHourlyByHour(b *testing.B) {
	benchInstances(b, "FREQ=HOURLY;BYHOUR=9,12,17")
}

// BenchmarkFeedRefresh models the production load: 40 series of mixed
// shapes with DTSTARTs years back, expanded over a 3-month window with the
// Start hint. One op is a whole refresh.
func BenchmarkFeedRefresh(b *testing.B) {
	rules := []string{
		"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU", "FREQ=DAILY",
		"FREQ=MONTHLY;BYDAY=1FR", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY",
		"FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	}
	var parsed []*Rule
	for i := 0; i < 40; i++ {
		parsed = append(parsed, mustParse(b, rules[i%len(rules)]))
	}
	dt := wall("20150105T093000")
	lim := Limits{Start: wall("20250601T000000"), Stop: wall("20250901T000000")}
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range parsed {
			it := r.Iter(dt, time.Time{}, lim)
			for _, ok := it.Next(); ok; _, ok = it.Next() {
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "instances/op")
}
