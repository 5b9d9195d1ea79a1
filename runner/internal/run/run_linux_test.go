package run

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func init() {
	helpers["pdeathsig"] = pdeathsigParent
}

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	s := spec("alloc")
	s.MemoryLimit = 256 << 20
	r := runCell(t, s)
	want(t, r, results.Fail, "memory limit exceeded (256 MiB)")
	if r.Signal != "SIGKILL" {
		t.Errorf("signal %q", r.Signal)
	}
	// Polled every 25 ms while allocating 16 MiB a millisecond or so: the
	// peak is past the limit, by how much depends on the machine's load.
	if r.MaxRSS < 200<<20 {
		t.Errorf("MaxRSS %d MiB", r.MaxRSS>>20)
	}
	t.Logf("MaxRSS %d MiB", r.MaxRSS>>20)
	waitGone(t, r.PID)
}

// TestThreadExitKeepsCell: threads of the runner that end (a goroutine
// locked to its thread returns) must not fire the cell's parent-death
// signal: the cell lives until its timeout.
func TestThreadExitKeepsCell(t *testing.T) {
	t.Parallel()
	s := spec("sleep", "1000")
	s.Timeout = 2 * time.Second
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			var inner sync.WaitGroup
			for range 8 {
				inner.Go(func() {
					runtime.LockOSThread() // and return locked: the thread exits
				})
			}
			inner.Wait()
		}
	})
	r := runCell(t, s)
	close(stop)
	wg.Wait()
	want(t, r, results.Hang, "timeout after 2s")
	if r.Signal != "SIGQUIT" {
		t.Errorf("signal %q: the cell was killed before its timeout", r.Signal)
	}
}

// TestPdeathsig: when the runner is killed by SIGKILL, its cell dies too.
// The runner is this test binary, re-executed as pdeathsigParent.
func TestPdeathsig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile, readyFile := filepath.Join(dir, "pid"), filepath.Join(dir, "ready")
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "RUN_TEST_HELPER=pdeathsig", "RUN_TEST_PROG="+prog,
		"RUN_TEST_PIDFILE="+pidFile, "RUN_TEST_READY="+readyFile)
	parent.Stderr = os.Stderr
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	pid := readPID(t, pidFile)
	readPID(t, readyFile) // the parent has ended threads since it started the cell
	if !alive(pid) {
		t.Fatalf("cell %d died while its runner lived", pid)
	}
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	waitGone(t, pid)
}

// pdeathsigParent runs a cell that sleeps, ends a few threads once it has
// started, says it is ready, and waits to be killed.
func pdeathsigParent() int {
	go func() {
		pidFile := os.Getenv("RUN_TEST_PIDFILE")
		for {
			if _, err := os.Stat(pidFile); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() { runtime.LockOSThread() })
		}
		wg.Wait()
		time.Sleep(100 * time.Millisecond)
		f := os.Getenv("RUN_TEST_READY")
		os.WriteFile(f+".tmp", []byte(fmt.Sprint(os.Getpid())), 0o666)
		os.Rename(f+".tmp", f)
	}()
	_, err := Cell(context.Background(), Spec{
		Path:    os.Getenv("RUN_TEST_PROG"),
		Args:    []string{"sleep", "1000"},
		Env:     []string{"PIDFILE=" + os.Getenv("RUN_TEST_PIDFILE")},
		Timeout: time.Minute,
	})
	fmt.Fprintln(os.Stderr, "pdeathsig parent: cell ended:", err)
	return 1
}

func TestScanProcs(t *testing.T) {
	ps := scanProcs()
	self := os.Getpid()
	for _, e := range ps {
		if e.pid == self {
			if e.ppid != os.Getppid() || e.pgrp != syscall.Getpgrp() || e.zombie {
				t.Errorf("self: %+v", e)
			}
			return
		}
	}
	t.Errorf("self (%d) not among %d processes", self, len(ps))
}
