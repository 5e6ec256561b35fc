package main

import (
	"os"
	"strings"
	"testing"
)

const statusSample = `Name:	calendarbot
Umask:	0022
State:	S (sleeping)
Pid:	4242
VmPeak:	 1260012 kB
VmSize:	 1260012 kB
VmHWM:	   16588 kB
VmRSS:	   15392 kB
RssAnon:	    8124 kB
RssFile:	    7268 kB
RssShmem:	       0 kB
Threads:	5
Cpus_allowed:	1
Cpus_allowed_list:	0
`

func TestParseStatus(t *testing.T) {
	s, err := parseStatus([]byte(statusSample))
	if err != nil {
		t.Fatal(err)
	}
	want := procStatus{VmRSSKiB: 15392, VmHWMKiB: 16588, Threads: 5, CpusList: "0", RssAnonKiB: 8124, RssFileKiB: 7268}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if _, err := parseStatus([]byte("Name:\tzombie\nState:\tZ (zombie)\n")); err == nil {
		t.Error("a status without VmRSS must be an error")
	}
}

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	line := "4242 (calendar bot) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 731 269 0 0 20 0 5 0 123456 1260012544 3848 18446744073709551615\n"
	u, s, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if u != 731 || s != 269 {
		t.Errorf("utime, stime = %d, %d; want 731, 269", u, s)
	}
	for _, bad := range []string{"4242 calendarbot S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 abc 269 0"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestOwnProcFiles(t *testing.T) {
	st, err := readStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.VmRSSKiB <= 0 || st.VmHWMKiB < st.VmRSSKiB || st.Threads < 1 {
		t.Errorf("implausible own status %+v", st)
	}
	if _, err := cpuSeconds(os.Getpid()); err != nil {
		t.Error(err)
	}
	if _, err := readCoreTicks("0"); err != nil {
		t.Error(err)
	}
}

func TestParseCoreTicks(t *testing.T) {
	stat := "cpu  200179 310 34377 289929 1041 0 1100 178 0 0\ncpu0 97410 145 16327 148772 247 0 586 89 0 0\ncpu1 102768 165 18050 141157 793 0 514 89 0 0\nintr 1\n"
	c, err := parseCoreTicks([]byte(stat), "1")
	if err != nil {
		t.Fatal(err)
	}
	want := coreTicks{Busy: 102768 + 165 + 18050 + 0 + 514, Idle: 141157 + 793, Steal: 89}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if _, err := parseCoreTicks([]byte(stat), "2"); err == nil {
		t.Error("missing core: want an error")
	}
}

func TestParseMetrics(t *testing.T) {
	m, err := parseMetrics(strings.NewReader("# HELP x\ncalendarbot_http_conn_total{reused=\"true\"} 4\n" +
		"calendarbot_feed_fetch_total{feed=\"F1\",result=\"ok\"} 2\ncalendarbot_feed_fetch_total{feed=\"F2\",result=\"ok\"} 3\n" +
		"calendarbot_feed_fetch_total_other 100\ngo_goroutines 9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m[`calendarbot_http_conn_total{reused="true"}`] != 4 || m["go_goroutines"] != 9 {
		t.Errorf("parsed %v", m)
	}
	if s := sumMetric(m, "calendarbot_feed_fetch_total"); s != 5 {
		t.Errorf("sum = %v, want 5 (other metrics with the same prefix excluded)", s)
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:1/api/whats-next
  1 threads and 16 connections
  Latency Distribution
     50%  298.00us
     75%  400.00us
     90%    1.20ms
     99%    1.47ms
  527370 requests in 10.00s, 2.1GB read
Requests/sec:  52737.00
Transfer/sec:    210.00MB
`
	w, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if w.RPS != 52737 || w.P50Ms != 0.298 || w.P99Ms != 1.47 {
		t.Errorf("got %+v", w)
	}
	if wrkDuration("2.00s") != 2000 || wrkDuration("1.50m") != 90000 {
		t.Error("wrkDuration units")
	}
}
