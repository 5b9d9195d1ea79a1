//go:build !unix && !windows

package run

import (
	"time"
)

// canPollRSS is false: the MemoryLimit is enforced on Linux only.
const canPollRSS = false

// Elsewhere (plan9, wasip1, js) only the main process is known and killed.
type sysProc struct{}

func (p *proc) configure() {}

func (p *proc) startProcess() error {
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.spawn = time.Since(p.start)
	p.pid = p.cmd.Process.Pid
	return nil
}

func (p *proc) quit() bool { return false }

func (p *proc) end() {
	if !p.reaped {
		p.cmd.Process.Kill()
	}
}

func (p *proc) finish() {}

func (p *proc) track() {}
