package main

import (
	"strings"
	"testing"
)

func TestSoakGrowth(t *testing.T) {
	s := []SoakSample{
		{ElapsedS: 10, VmRSSKiB: 14000, CacheBytes: 9000},
		{ElapsedS: 20, VmRSSKiB: 14100, CacheBytes: 12000},
		{ElapsedS: 30, VmRSSKiB: 15024, CacheBytes: 409000, Non200: 1},
	}
	rss, cache, failed := soakGrowth(s)
	if rss != 1024 || cache != 400000 || !failed {
		t.Errorf("growth %d KiB, %.0f B, failed %v", rss, cache, failed)
	}
	if got := fmtSoak(s); !strings.Contains(got, "+1.0 MiB VmRSS") || !strings.Contains(got, "over 30 s") || !strings.Contains(got, "failed") {
		t.Errorf("fmtSoak: %q", got)
	}
	if rss, cache, failed := soakGrowth(s[:1]); rss != 0 || cache != 0 || failed {
		t.Errorf("one sample: %d %v %v", rss, cache, failed)
	}
}
