//go:build unix && !linux

package run

import (
	"os/exec"
	"syscall"
	"time"
)

// setPdeathsig does nothing: only Linux has a parent-death signal. If the
// runner is killed by SIGKILL here, the running cells live on (a caught
// signal or a cancelled context still ends them: see Cell).
func setPdeathsig(*syscall.SysProcAttr) {}

func spawn(cmd *exec.Cmd) (at time.Time, spawned time.Duration, err error) {
	at = time.Now()
	err = cmd.Start()
	return at, time.Since(at), err
}
