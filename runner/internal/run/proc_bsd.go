//go:build unix && !linux && !darwin

package run

import (
	"os"
	"syscall"
)

// maxrssUnit: the BSDs report ru_maxrss in KiB.
const maxrssUnit = 1024

// canPollRSS is false: the MemoryLimit is enforced on Linux only.
const canPollRSS = false

type sysProc struct{}

// others cannot list the group here. If the group still has members once the
// main process is reaped, one leftover is counted (the group is killed all
// the same).
func (p *proc) others() (victims []int, outside bool) {
	if p.reaped && p.leftN == 0 && syscall.Kill(-p.pid, 0) == nil {
		p.leftN = 1
	}
	return nil, false
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func (p *proc) rss() int64 { return 0 }

func (p *proc) killPipeHolders(...*os.File) {}

// track does nothing: only the group is looked for.
func (p *proc) track() {}

// outsiders is false: descendants outside the group are not looked for.
func (p *proc) outsiders() bool { return false }
