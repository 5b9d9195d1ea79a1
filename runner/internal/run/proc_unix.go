//go:build unix

package run

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// goneTimeout bounds the wait for killed leftovers to disappear.
const goneTimeout = time.Second

func (p *proc) configure() {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setPdeathsig(attr)
	p.cmd.SysProcAttr = attr
}

// startProcess starts the cell's binary through a supervisor when this
// program can be one (see supervise.go), else itself.
func (p *proc) startProcess() error {
	p.left = map[int]bool{}
	if exe := supervisorExe(); exe != "" {
		return p.startSupervised(exe)
	}
	return p.startDirect()
}

// wait waits for the main process to end.
func (p *proc) wait() exit {
	if p.sup != nil {
		return p.sup.wait()
	}
	return p.waitCmd()
}

// release lets the supervisor go, once the cell is over.
func (p *proc) release() {
	if p.sup != nil {
		p.sup.release()
	}
}

// quit sends SIGQUIT to the main process alone: the Go runtime answers it
// with a goroutine dump on stderr and exit status 2.
func (p *proc) quit() bool {
	if p.sup != nil {
		return syscall.Kill(p.pid, syscall.SIGQUIT) == nil
	}
	return p.cmd.Process.Signal(syscall.SIGQUIT) == nil
}

// end kills every process of the cell it can find. The group is stopped
// first, so that it can neither fork nor exit while its members are
// counted; then it is killed, with every descendant found outside it.
func (p *proc) end() {
	pg := p.pid // the group id is the main process's pid (Setpgid)
	if err := syscall.Kill(-pg, syscall.SIGSTOP); err != nil && !p.outsiders() {
		// ESRCH: nothing is left in the group. The main process, if not
		// reaped yet, is in it, so it is gone too.
		return
	}
	for range 5 {
		victims, outside := p.others()
		fresh := 0
		for _, v := range victims {
			if !p.left[v] {
				p.left[v] = true
				fresh++
			}
			syscall.Kill(v, syscall.SIGKILL)
		}
		syscall.Kill(-pg, syscall.SIGKILL)
		// Members of the stopped group cannot fork any more; descendants
		// that left it can, between the scan and the kill.
		if !outside || fresh == 0 {
			break
		}
	}
}

// finish runs once the main process is reaped: it kills what is left and
// waits, briefly, for it to be gone.
func (p *proc) finish() {
	p.end()
	deadline := time.Now().Add(goneTimeout)
	for pid := range p.left {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func exitStatus(ps *os.ProcessState) (code *int, signal string) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		c := ps.ExitCode()
		return &c, ""
	}
	return waitStatus(ws)
}

func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * maxrssUnit
	}
	return 0
}
