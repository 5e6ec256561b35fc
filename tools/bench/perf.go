package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// startPerf samples the server with `perf record -g` until finishPerf (the
// -perf flag; used when a budget is missed, to see where the time goes).
func (b *bench) startPerf(pid int) *exec.Cmd {
	argv := b.pinned(b.loadCore, b.perfPath, "record", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", b.perfFile)
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		logf("perf record: %v", err)
		return nil
	}
	logf("perf record -g -p %d -o %s", pid, b.perfFile)
	return cmd
}

// finishPerf stops perf record and prints the hottest symbols, also saved
// next to the profile as .txt.
func (b *bench) finishPerf(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	out, err := exec.Command(b.perfPath, "report", "-i", b.perfFile, "--no-children", "--sort", "dso,symbol",
		"--stdio", "-g", "none", "--percent-limit", "0.7").Output()
	if err != nil {
		logf("perf report: %v", err)
		return
	}
	var top []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
			top = append(top, strings.TrimRight(l, " "))
		}
	}
	txt := strings.Join(top, "\n") + "\n"
	_ = os.WriteFile(b.perfFile+".txt", []byte(txt), 0o644)
	logf("perf: hottest symbols of the server (self time), also in %s.txt:\n%s", b.perfFile, txt)
}
