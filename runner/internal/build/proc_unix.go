//go:build unix

package build

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the go command and the compilers it starts in a
// process group of their own, so a timeout kills all of them.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
