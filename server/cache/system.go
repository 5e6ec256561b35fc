package cache

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
)

// Reading is one snapshot of the process's and the machine's memory. All
// figures are bytes; 0 means unknown or, for the limits, no limit.
type Reading struct {
	// Go runtime (runtime/metrics): heap spans in use (objects plus
	// fragmentation), all heap memory obtained from the OS, and all memory
	// the runtime has mapped.
	HeapInuse, HeapSys, Sys uint64
	// GoMemLimit is the soft memory limit (debug.SetMemoryLimit(-1));
	// 0 when it is unset (math.MaxInt64).
	GoMemLimit int64
	// CgroupLimit is the effective memory limit of the process's cgroup
	// (the smallest memory.max of it and its ancestors on v2;
	// memory.limit_in_bytes and hierarchical_memory_limit on v1), 0 when
	// there is none. CgroupUsage is its working set: memory.current
	// (v1: memory.usage_in_bytes) minus inactive file-backed pages, which
	// the kernel reclaims before it would OOM-kill anything, as the
	// kubelet and systemd-oomd compute it.
	CgroupLimit, CgroupUsage int64
	// MemAvailable and MemTotal come from /proc/meminfo.
	MemAvailable, MemTotal int64
}

var runtimeMetricNames = [...]string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
}

func newRuntimeSamples() []metrics.Sample {
	s := make([]metrics.Sample, len(runtimeMetricNames))
	for i, n := range runtimeMetricNames {
		s[i].Name = n
	}
	return s
}

func readRuntime(r *Reading, s []metrics.Sample) {
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	r.HeapInuse = v(0) + v(1)
	r.HeapSys = v(0) + v(1) + v(2) + v(3)
	r.Sys = v(4)
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		r.GoMemLimit = l
	}
}

// ReadSystem takes a Reading: the Go runtime's figures from this process,
// the rest from the files under root ("" means "/"): root/proc/meminfo,
// root/proc/self/cgroup and the cgroup files under root/sys/fs/cgroup.
// Missing or unreadable files leave their fields 0.
func ReadSystem(root string) Reading {
	var r Reading
	readRuntime(&r, newRuntimeSamples())
	readFiles(&r, root)
	return r
}

func readFiles(r *Reading, root string) {
	if root == "" {
		root = "/"
	}
	r.MemTotal, r.MemAvailable = readMeminfo(filepath.Join(root, "proc", "meminfo"))
	r.CgroupLimit, r.CgroupUsage = readCgroup(root)
	if r.CgroupLimit > 0 && r.MemTotal > 0 && r.CgroupLimit >= r.MemTotal {
		// A limit above the machine's memory never binds; the machine's
		// own pressure covers it.
		r.CgroupLimit = 0
	}
}

func readMeminfo(path string) (total, avail int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	var free, buffers, cached int64
	haveAvail := false
	for line := range bytes.Lines(b) {
		name, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 1 && (f[1] == "kB" || f[1] == "KB") {
			n *= 1024
		}
		switch string(name) {
		case "MemTotal":
			total = n
		case "MemAvailable":
			avail, haveAvail = n, true
		case "MemFree":
			free = n
		case "Buffers":
			buffers = n
		case "Cached":
			cached = n
		}
	}
	if !haveAvail {
		// Kernels before 3.14 lack MemAvailable; this is its usual
		// (slightly optimistic) approximation.
		avail = free + buffers + cached
	}
	return total, avail
}

// noLimit is the threshold above which a cgroup limit means "unlimited":
// v1 reports PAGE_COUNTER_MAX rounded to pages (about 2^63).
const noLimit = 1 << 62

func readCgroup(root string) (limit, usage int64) {
	base := filepath.Join(root, "sys", "fs", "cgroup")
	v1Path, v2Path, haveV1, haveV2 := "", "", false, false
	if b, err := os.ReadFile(filepath.Join(root, "proc", "self", "cgroup")); err == nil {
		for line := range strings.Lines(string(b)) {
			line = strings.TrimRight(line, "\r\n")
			id, rest, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			ctrls, path, ok := strings.Cut(rest, ":")
			if !ok {
				continue
			}
			if id == "0" && ctrls == "" {
				v2Path, haveV2 = path, true
				continue
			}
			for c := range strings.SplitSeq(ctrls, ",") {
				if c == "memory" {
					v1Path, haveV1 = path, true
				}
			}
		}
	}
	// v1 first: on a hybrid system the memory controller is on v1 and the
	// v2 hierarchy has no memory files.
	v1Base := filepath.Join(base, "memory")
	for _, dir := range candidates(v1Base, v1Path, haveV1) {
		if l, ok := readInt(filepath.Join(dir, "memory.limit_in_bytes")); ok {
			stat := readStat(filepath.Join(dir, "memory.stat"))
			if h, ok := stat["hierarchical_memory_limit"]; ok && h < l {
				l = h
			}
			if l >= noLimit {
				l = 0
			}
			u, _ := readInt(filepath.Join(dir, "memory.usage_in_bytes"))
			return l, workingSet(u, stat["total_inactive_file"])
		}
	}
	for _, dir := range candidates(base, v2Path, haveV2) {
		if _, err := os.Stat(filepath.Join(dir, "memory.max")); err != nil {
			continue
		}
		// The effective limit is the smallest along the path to the root.
		for d := dir; ; d = filepath.Dir(d) {
			if l, ok := readInt(filepath.Join(d, "memory.max")); ok && l < noLimit && (limit == 0 || l < limit) {
				limit = l
			}
			if d == base || len(d) <= len(base) {
				break
			}
		}
		u, _ := readInt(filepath.Join(dir, "memory.current"))
		return limit, workingSet(u, readStat(filepath.Join(dir, "memory.stat"))["inactive_file"])
	}
	return 0, 0
}

// candidates lists the directories that may hold the process's cgroup
// files: the one /proc/self/cgroup names, then the hierarchy's root (inside
// a container with a cgroup namespace the process sees its own cgroup
// mounted there).
func candidates(base, path string, have bool) []string {
	var out []string
	if have && path != "" && path != "/" {
		out = append(out, filepath.Join(base, filepath.FromSlash(path)))
	}
	return append(out, base)
}

func workingSet(usage, inactiveFile int64) int64 {
	if inactiveFile > 0 && inactiveFile < usage {
		return usage - inactiveFile
	}
	return usage
}

// readInt reads a file holding one integer, or "max" (reported as
// math.MaxInt64).
func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return math.MaxInt64, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// v1 may print values above MaxInt64 on some kernels.
		if u, err := strconv.ParseUint(s, 10, 64); err == nil && u > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return 0, false
	}
	return n, true
}

func readStat(path string) map[string]int64 {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	m := make(map[string]int64)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch k {
		case "inactive_file", "total_inactive_file", "hierarchical_memory_limit":
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
				if n > math.MaxInt64 {
					n = math.MaxInt64
				}
				m[k] = int64(n)
			}
		}
	}
	return m
}

// Memory limit defaults; see DefaultMemoryLimit.
const (
	MinMemoryLimit     = 32 << 20
	MachineMemoryLimit = 64 << 20
)

// DefaultMemoryLimit picks a GOMEMLIMIT for when the environment sets none:
//
//   - Under a cgroup limit: 75 % of it. The remaining quarter is for what
//     GOMEMLIMIT does not count (non-Go memory, page cache charged to the
//     cgroup) and for the GC's reaction time, so that the soft limit makes
//     the GC work harder well before the kernel's hard limit OOM-kills.
//   - Otherwise: min(64 MiB, 25 % of MemTotal). On a Pi Zero 2 W
//     (512 MB, MemTotal ~430-470 MB after the GPU split) that is 64 MiB.
//     The server's steady state is ~15 MiB RSS, which with GOGC=100 lets
//     the heap reach ~30 MiB between collections; a burst such as parsing
//     a 20 MB feed holds the raw bytes plus the parsed structures live at
//     once and needs a few tens of MiB more. 64 MiB leaves room for that
//     without GC thrashing, while still making the GC collect aggressively
//     before the process takes an unreasonable share of a machine that
//     also runs the OS and the display stack. The 25 % term protects
//     smaller machines.
//   - Never below 32 MiB (MinMemoryLimit): a soft limit under the live heap
//     of an ordinary burst makes the GC run continuously (up to its 50 %
//     CPU cap) while freeing nothing, which is worse than using the memory.
func DefaultMemoryLimit(r Reading) int64 {
	var l int64
	switch {
	case r.CgroupLimit > 0 && (r.MemTotal <= 0 || r.CgroupLimit < r.MemTotal):
		l = r.CgroupLimit / 4 * 3
	case r.MemTotal > 0:
		l = min(MachineMemoryLimit, r.MemTotal/4)
	default:
		l = MachineMemoryLimit
	}
	return max(l, MinMemoryLimit)
}

// ApplyDefaultMemoryLimit sets the Go memory limit to DefaultMemoryLimit of
// the running system, unless the GOMEMLIMIT environment variable is set
// (including to "off"), in which case the runtime has already applied it.
// It returns the limit in force and whether it set it.
func ApplyDefaultMemoryLimit() (limit int64, set bool) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), false
	}
	var r Reading
	readFiles(&r, "/")
	l := DefaultMemoryLimit(r)
	debug.SetMemoryLimit(l)
	return l, true
}
