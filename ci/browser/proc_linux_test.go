//go:build linux

package browser

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

// killStragglers kills the processes whose command line contains marker (a
// run's unique temporary directory): Chromium's crashpad handler leaves the
// process group, and names its database under the run's $XDG_CONFIG_HOME.
func killStragglers(marker string) {
	if marker == "" {
		return
	}
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(marker)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
