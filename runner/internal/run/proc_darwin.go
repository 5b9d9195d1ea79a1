package run

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxrssUnit: macOS reports ru_maxrss in bytes.
const maxrssUnit = 1

// canPollRSS is false: there is no /proc, and the MemoryLimit is not
// enforced on macOS.
const canPollRSS = false

type sysProc struct{}

// szomb is p_stat of a zombie (<sys/proc.h>).
const szomb = 5

// others finds the live members of the cell's process group besides the main
// process. Descendants that left the group (setsid) are not looked for.
func (p *proc) others() (victims []int, outside bool) {
	kps, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", p.pid)
	if err != nil {
		return nil, false
	}
	for _, kp := range kps {
		pid := int(kp.Proc.P_pid)
		if pid != p.pid && kp.Proc.P_stat != szomb {
			victims = append(victims, pid)
		}
	}
	return victims, false
}

func alive(pid int) bool {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	return kp.Proc.P_stat != szomb
}

func (p *proc) rss() int64 { return 0 }

func (p *proc) killPipeHolders(...*os.File) {}

// track does nothing: only the group is looked for.
func (p *proc) track() {}

// outsiders is false: descendants outside the group are not looked for.
func (p *proc) outsiders() bool { return false }
