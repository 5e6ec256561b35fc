package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procStatus holds the fields of /proc/PID/status the harness reports.
type procStatus struct {
	VmRSSKiB   int64  // resident set now
	VmHWMKiB   int64  // peak resident set ("high water mark")
	Threads    int64  // OS threads
	CpusList   string // Cpus_allowed_list: the cores the process may run on
	RssAnonKiB int64
	RssFileKiB int64
}

func readStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStatus{}, err
	}
	return parseStatus(b)
}

// parseStatus parses the "Key:\tvalue kB" lines of /proc/PID/status.
func parseStatus(b []byte) (procStatus, error) {
	var s procStatus
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		kib := func() int64 {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(val, "kB")), 10, 64)
			return n
		}
		switch key {
		case "VmRSS":
			s.VmRSSKiB, found = kib(), true
		case "VmHWM":
			s.VmHWMKiB = kib()
		case "RssAnon":
			s.RssAnonKiB = kib()
		case "RssFile":
			s.RssFileKiB = kib()
		case "Threads":
			s.Threads, _ = strconv.ParseInt(val, 10, 64)
		case "Cpus_allowed_list":
			s.CpusList = val
		}
	}
	if !found {
		return s, fmt.Errorf("no VmRSS in /proc status (process gone or a zombie?)")
	}
	return s, nil
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports (the kernel converts to it
// for user space whatever CONFIG_HZ is).
const clockTicks = 100

// cpuSeconds returns utime+stime of the whole process (all threads).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	u, s, err := parseStat(b)
	if err != nil {
		return 0, err
	}
	return float64(u+s) / clockTicks, nil
}

// parseStat extracts utime and stime (fields 14 and 15, in clock ticks)
// from /proc/PID/stat. The command name (field 2) is in parentheses and may
// itself contain spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (utime, stime int64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed /proc stat: no ')'")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("malformed /proc stat: %d fields after the name", len(f))
	}
	if utime, err = strconv.ParseInt(f[11], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("utime: %v", err)
	}
	if stime, err = strconv.ParseInt(f[12], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stime: %v", err)
	}
	return utime, stime, nil
}

// cpuModel is the first "model name" of /proc/cpuinfo, for the report.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// coreTicks is one core's line of /proc/stat, in clock ticks.
type coreTicks struct {
	Busy  int64 // user+nice+system+irq+softirq (guest time is inside user)
	Idle  int64 // idle+iowait
	Steal int64 // taken by the hypervisor for other guests
}

func readCoreTicks(core string) (coreTicks, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return coreTicks{}, err
	}
	return parseCoreTicks(b, core)
}

// parseCoreTicks finds the "cpuN" line of /proc/stat.
func parseCoreTicks(b []byte, core string) (coreTicks, error) {
	want := "cpu" + core
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 9 || f[0] != want {
			continue
		}
		var v [8]int64
		for i := range v {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return coreTicks{}, fmt.Errorf("/proc/stat %s: %v", want, err)
			}
			v[i] = n
		}
		// user nice system idle iowait irq softirq steal
		return coreTicks{Busy: v[0] + v[1] + v[2] + v[5] + v[6], Idle: v[3] + v[4], Steal: v[7]}, nil
	}
	return coreTicks{}, fmt.Errorf("/proc/stat: no line for %s", want)
}
