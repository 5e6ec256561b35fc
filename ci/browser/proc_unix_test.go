//go:build unix

package browser

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command and everything it starts (Chromium's
// renderer, GPU and zygote processes) in a new process group, and makes a
// context cancellation kill that whole group. On Linux the process is also
// killed if the test binary dies without running its cleanups (go test's
// -timeout panic, a signal).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		killProcessGroup(cmd)
		return nil
	}
}

// killProcessGroup kills whatever is left of the command's process group.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil && cmd.Process.Pid > 0 {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
