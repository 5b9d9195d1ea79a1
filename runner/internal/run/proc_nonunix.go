//go:build !unix

package run

import "os"

// Outside unix there are no signals to report, no rusage of children,
// no /proc to read memory from, and no pipe holders to find.

// supervisorProc is empty: outside unix the runner starts the binary itself
// (see "Nothing outlives a cell" in doc.go).
type supervisorProc struct{}

// useSupervisor has no effect here; tests set it on every OS.
var useSupervisor = false

func (p *proc) wait() exit { return p.waitCmd() }

func (p *proc) release() {}

// Shutdown does nothing: there are no supervisors here.
func Shutdown() {}

func exitStatus(ps *os.ProcessState) (code *int, signal string) {
	c := ps.ExitCode()
	return &c, ""
}

func maxRSS(*os.ProcessState) int64 { return 0 }

func (p *proc) rss() int64 { return 0 }

func (p *proc) killPipeHolders(...*os.File) {}
