//go:build unix

package run

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/run/supervisor"
)

// On unix a cell's binary is started by a supervisor: this very program,
// executed again (see package supervisor, and "Nothing outlives a cell" in
// doc.go). Idle supervisors are kept for the next cell.

// useSupervisor is turned off by tests and benchmarks that compare.
var useSupervisor = true

// supervisorExe is the program to run as a supervisor, or "" to start
// cells directly. On Linux it is /proc/self/exe: this very program, even if
// its file was replaced or removed since it started (go run removes it).
func supervisorExe() string {
	if !useSupervisor {
		return ""
	}
	if runtime.GOOS == "linux" {
		return "/proc/self/exe"
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
}

// A supervisorProc is a supervisor, as the runner sees it.
type supervisorProc struct {
	cmd  *exec.Cmd
	pid  int
	conn *supervisor.Conn
}

// idle holds the supervisors that wait for a cell, at most maxIdle.
var idle struct {
	sync.Mutex
	sups []*supervisorProc
}

// maxIdle bounds the idle supervisors kept: as many as cells may run at
// once on this machine, with room for -p above the number of CPUs.
var maxIdle = max(8, 2*runtime.NumCPU())

// Shutdown lets the idle supervisors go and waits for them to exit. A
// program that ran cells calls it before it exits, so that none is left
// for init to reap; without it they exit all the same, seeing EOF.
func Shutdown() {
	idle.Lock()
	sups := idle.sups
	idle.sups = nil
	idle.Unlock()
	for _, s := range sups {
		s.conn.Close()
	}
	for _, s := range sups {
		s.cmd.Wait()
	}
}

// getSupervisor returns an idle supervisor, or starts one.
func getSupervisor(exe string) (*supervisorProc, error) {
	idle.Lock()
	if n := len(idle.sups); n > 0 {
		s := idle.sups[n-1]
		idle.sups = idle.sups[:n-1]
		idle.Unlock()
		return s, nil
	}
	idle.Unlock()
	cmd, conn, err := supervisor.Start(exe)
	if err != nil {
		return nil, err
	}
	return &supervisorProc{cmd: cmd, pid: cmd.Process.Pid, conn: conn}, nil
}

// startSupervised has a supervisor start p.cmd, and returns once the
// cell's binary has started or failed to. If no supervisor can be had,
// the binary is started directly.
func (p *proc) startSupervised(exe string) error {
	spec := supervisor.Spec{Path: p.cmd.Path, Args: p.cmd.Args, Dir: p.cmd.Dir, Env: p.cmd.Environ()}
	// A supervisor kept from an earlier cell has the working directory
	// the runner had then: the runner's, now, goes with the spec.
	var err error
	if spec.Dir == "" {
		spec.Dir, err = os.Getwd()
	} else {
		spec.Dir, err = filepath.Abs(spec.Dir)
	}
	if err != nil {
		return p.startDirect()
	}
	// An idle supervisor may have died (killed by someone): one more try
	// with a fresh one.
	for range 2 {
		s, err := getSupervisor(exe)
		if err != nil {
			return p.startDirect()
		}
		rep, err := s.conn.Run(spec, p.cmd.Stdout.(*os.File), p.cmd.Stderr.(*os.File))
		if err != nil {
			s.close()
			continue
		}
		if rep.Verb == "error" {
			s.release()
			return errors.New(rep.Error)
		}
		p.pid, p.start, p.spawn = rep.PID, supervisor.Time(rep.T0), time.Duration(rep.T1-rep.T0)
		p.sup = s
		return nil
	}
	return p.startDirect()
}

// startDirect starts p.cmd from the runner itself.
func (p *proc) startDirect() error {
	at, spawned, err := spawn(p.cmd)
	if err != nil {
		return err
	}
	p.pid = p.cmd.Process.Pid
	p.start, p.spawn = at, spawned
	return nil
}

// wait waits for the supervisor's report of the main process's end.
func (s *supervisorProc) wait() exit {
	rep, err := s.conn.Read()
	if err == nil && rep.Verb != "exit" {
		err = errors.New("cell supervisor: " + rep.Verb + " report, want exit")
	}
	if err != nil {
		return exit{at: time.Now(), err: err}
	}
	e := exit{at: supervisor.Time(rep.T), maxRSS: rep.MaxRSS * maxrssUnit}
	e.code, e.signal = waitStatus(rep.Status)
	return e
}

// release tells the supervisor the cell is over, waits for it to have
// killed and reaped whatever was left, and keeps it for the next cell.
func (s *supervisorProc) release() {
	if s.conn.End() != nil {
		s.close()
		return
	}
	idle.Lock()
	if len(idle.sups) < maxIdle {
		idle.sups = append(idle.sups, s)
		s = nil
	}
	idle.Unlock()
	if s != nil {
		s.close()
	}
}

// close lets the supervisor go: it kills whatever is left of its cell and
// exits. It is waited for.
func (s *supervisorProc) close() {
	s.conn.Close()
	s.cmd.Wait()
}

// waitStatus is the exit code, or the signal, that ws reports.
func waitStatus(ws syscall.WaitStatus) (code *int, signal string) {
	if ws.Signaled() {
		return nil, signalName(ws.Signal())
	}
	c := ws.ExitStatus()
	return &c, ""
}
