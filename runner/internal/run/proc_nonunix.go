//go:build !unix

package run

import "os"

// Outside unix there are no signals to report, no rusage of children,
// no /proc to read memory from, and no pipe holders to find.

func exitStatus(ps *os.ProcessState) (code *int, signal string) {
	c := ps.ExitCode()
	return &c, ""
}

func maxRSS(*os.ProcessState) int64 { return 0 }

func (p *proc) rss() int64 { return 0 }

func (p *proc) killPipeHolders(...*os.File) {}
