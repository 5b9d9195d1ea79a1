//go:build unix && !linux

package supervisor

import (
	"syscall"
	"time"
)

// becomeSubreaper does nothing: only Linux has child subreapers (FreeBSD's
// procctl PROC_REAP_ACQUIRE is not used). A process of the cell whose
// parent dies is reparented to init.
func becomeSubreaper() {}

// setPdeathsig does nothing: only Linux has a parent-death signal.
func setPdeathsig(*syscall.SysProcAttr) {}

// cleanUp kills the cell's process group and reports whether the main
// process was reaped within cleanupTimeout. Descendants that left the
// group are not found here.
func cleanUp(main int, exited bool, childless <-chan struct{}) bool {
	select {
	case <-childless:
		return true
	default:
	}
	// Even once main is reaped, members of its group may be left; the
	// runner does the same (see run's proc.end).
	syscall.Kill(-main, syscall.SIGKILL)
	select {
	case <-childless:
		return true
	case <-time.After(cleanupTimeout):
		return false
	}
}
