//go:build unix

package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// waitGone fails t unless pid is gone (or a zombie) within a few seconds.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("process %d outlived its cell", pid)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readPID waits for a pid file written by prog.
func readPID(t *testing.T, file string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(file)
		if err == nil {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatalf("pid file %s: %v", file, err)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid file %s", file)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// firstLinePID is the pid prog printed on its first line.
func firstLinePID(t *testing.T, r Result) int {
	t.Helper()
	line, _, _ := strings.Cut(r.Stdout.Head, "\n")
	pid, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("no pid in stdout %q", r.Stdout.Head)
	}
	return pid
}

func TestOwnProcessGroup(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("pgid"))
	f := strings.Fields(r.Stdout.Head)
	if len(f) != 2 || f[0] != f[1] || f[0] != strconv.Itoa(r.PID) {
		t.Errorf("pid and process group %q, want both %d", r.Stdout.Head, r.PID)
	}
}

// TestHangSpin: `for {}` with GOMAXPROCS=1 and no async preemption, so the
// goroutine that would print the marker never runs.
func TestHangSpin(t *testing.T) {
	t.Parallel()
	s := spec("spin")
	s.Env = []string{"GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1"}
	s.CompleteOn = regexp.MustCompile(`^hi$`)
	s.Timeout = time.Second
	s.Grace = 10 * time.Second
	r := runCell(t, s)
	want(t, r, results.Hang, "timeout after 1s")
	// The runtime answered SIGQUIT with a dump and exit status 2.
	if r.Signal != "SIGQUIT" {
		t.Errorf("signal %q", r.Signal)
	}
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.GoroutineDump, "goroutine ") || !strings.Contains(r.GoroutineDump, "goroutine 1 ") ||
		!strings.Contains(r.GoroutineDump, "main.main") {
		t.Errorf("GoroutineDump %q", r.GoroutineDump)
	}
	if strings.Contains(r.Stdout.Head, "hi") {
		t.Errorf("stdout %q", r.Stdout.Head)
	}
	if r.FatalLine != "" {
		t.Errorf("FatalLine %q: the SIGQUIT was ours", r.FatalLine)
	}
	if r.Duration < time.Second || r.CompletedAfter != 0 {
		t.Errorf("Duration %v, CompletedAfter %v", r.Duration, r.CompletedAfter)
	}
	waitGone(t, r.PID)
}

// TestHangSleep: a program blocked in a sleep is a hang too.
func TestHangSleep(t *testing.T) {
	t.Parallel()
	s := spec("sleep", "1000")
	s.Timeout = 500 * time.Millisecond
	r := runCell(t, s)
	want(t, r, results.Hang, "timeout after 500ms")
	if !strings.Contains(r.GoroutineDump, "time.Sleep") {
		t.Errorf("GoroutineDump %q", r.GoroutineDump)
	}
	waitGone(t, r.PID)
}

// TestIgnoreSignals: signal.Notify(c) with no arguments catches SIGQUIT (and
// SIGTERM): only SIGKILL, after Grace, ends it.
func TestIgnoreSignals(t *testing.T) {
	t.Parallel()
	s := spec("ignore")
	s.Timeout = 3 * time.Second // time to get to signal.Notify on a loaded machine
	s.Grace = 500 * time.Millisecond
	r := runCell(t, s)
	want(t, r, results.Hang, "timeout after 3s")
	if r.Stdout.Head != "ready\n" {
		t.Errorf("stdout %q: did it catch signals in time?", r.Stdout.Head)
	}
	if r.Signal != "SIGKILL" || r.ExitCode != nil {
		t.Errorf("signal %q, exit code %s", r.Signal, fmtCode(r.ExitCode))
	}
	if r.Duration < 3500*time.Millisecond {
		t.Errorf("Duration %v: killed before Grace", r.Duration)
	}
	if r.GoroutineDump != "" {
		t.Errorf("GoroutineDump %q from a program that caught SIGQUIT", r.GoroutineDump)
	}
	waitGone(t, r.PID)
}

// TestCrashSignal: with GOTRACEBACK=crash the runtime dies by SIGABRT.
func TestCrashSignal(t *testing.T) {
	t.Parallel()
	s := spec("nilderef")
	s.Env = []string{"GOTRACEBACK=crash"}
	s.Dir = t.TempDir() // where a core file would go
	r := runCell(t, s)
	want(t, r, results.Fail, "killed by SIGABRT")
	if r.ExitCode != nil || r.Signal != "SIGABRT" {
		t.Errorf("exit code %s, signal %q", fmtCode(r.ExitCode), r.Signal)
	}
	if r.FatalLine != "panic: runtime error: invalid memory address or nil pointer dereference" {
		t.Errorf("FatalLine %q", r.FatalLine)
	}
}

// TestForkGrandchild: the program starts `prog sleep 1000` and exits 0; the
// grandchild is killed and counted. On Linux also one in a session of its
// own, orphaned when the main process exits: the supervisor, a subreaper,
// adopts it.
func TestForkGrandchild(t *testing.T) {
	t.Parallel()
	modes := []string{"nosetsid"}
	if runtime.GOOS == "linux" {
		modes = append(modes, "setsid")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := runCell(t, spec("fork", mode))
			want(t, r, results.Complete, "exit status 0")
			child := firstLinePID(t, r)
			if r.Leftovers != 1 {
				t.Errorf("Leftovers %d, want 1", r.Leftovers)
			}
			waitGone(t, child)
		})
	}
}

// TestLeftoversOnHang: at a timeout, the main process's descendants are
// killed with it, on Linux even those in a session of their own.
func TestLeftoversOnHang(t *testing.T) {
	t.Parallel()
	modes := []string{"nosetsid"}
	if runtime.GOOS == "linux" {
		modes = append(modes, "setsid")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := spec("forkwait", mode)
			s.Timeout = 3 * time.Second // time to start the child on a loaded machine
			r := runCell(t, s)
			want(t, r, results.Hang, "timeout after 3s")
			child := firstLinePID(t, r)
			if r.Leftovers != 1 {
				t.Errorf("Leftovers %d, want 1", r.Leftovers)
			}
			waitGone(t, child)
		})
	}
}

// TestChildHoldsStdout: the program exits 0 while its child keeps stdout
// and stderr open; the runner must not wait for the child.
func TestChildHoldsStdout(t *testing.T) {
	t.Parallel()
	modes := []string{"nosetsid"}
	if runtime.GOOS == "linux" {
		// In a session of its own the child is not in the group: only the
		// pipe holder search finds it.
		modes = append(modes, "setsid")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := runCell(t, spec("hold", mode))
			took := time.Since(start)
			want(t, r, results.Complete, "exit status 0")
			child := firstLinePID(t, r)
			if took > 20*time.Second {
				t.Errorf("Cell took %v", took)
			}
			if r.Leftovers != 1 {
				t.Errorf("Leftovers %d, want 1", r.Leftovers)
			}
			waitGone(t, child)
		})
	}
}

// TestCancel: cancelling the context kills the cell and its children.
func TestCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile, childFile := filepath.Join(dir, "pid"), filepath.Join(dir, "child")
	s := spec("forkwait", "nosetsid")
	s.Env = []string{"PIDFILE=" + pidFile, "CHILDPIDFILE=" + childFile}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type res struct {
		r   Result
		err error
	}
	done := make(chan res)
	go func() {
		r, err := Cell(ctx, s)
		done <- res{r, err}
	}()
	pid, child := readPID(t, pidFile), readPID(t, childFile)
	cancel()
	select {
	case got := <-done:
		if !errors.Is(got.err, context.Canceled) {
			t.Errorf("got %v, want %v", got.err, context.Canceled)
		}
		if got.r.Outcome != "" {
			t.Errorf("a result for a cancelled cell: %+v", got.r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Cell did not return after cancel")
	}
	waitGone(t, pid)
	waitGone(t, child)
}

// TestStreamStop: a reader whose pipe some process keeps open gives up
// when stopped, keeping what it had read.
func TestStreamStop(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := newStream(r, 16, nil, nil, false)
	go s.read()
	w.Write([]byte("kept"))
	deadline := time.Now().Add(10 * time.Second)
	for s.output().Bytes < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s.stop()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("reader still blocked after stop")
	}
	w.Write([]byte("dropped"))
	if o := s.output(); o.Head != "kept" || o.Bytes != 4 {
		t.Errorf("output %+v", o)
	}
}
