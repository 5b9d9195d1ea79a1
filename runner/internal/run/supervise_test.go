//go:build unix

package run

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run/supervisor"
)

func init() {
	helpers["cellparent"] = cellParent
}

// cellParent runs one cell, prog with the arguments in RUN_TEST_ARGS and
// FAMILYFILE and PIDFILE passed on, and waits to be killed. With
// RUN_TEST_DIRECT set it starts the cell without a supervisor.
func cellParent() int {
	if os.Getenv("RUN_TEST_DIRECT") != "" {
		useSupervisor = false
	}
	_, err := Cell(context.Background(), Spec{
		Path:    os.Getenv("RUN_TEST_PROG"),
		Args:    strings.Fields(os.Getenv("RUN_TEST_ARGS")),
		Env:     []string{"PIDFILE=" + os.Getenv("RUN_TEST_PIDFILE"), "FAMILYFILE=" + os.Getenv("RUN_TEST_FAMILYFILE")},
		Timeout: time.Minute,
	})
	fmt.Fprintln(os.Stderr, "cell parent: cell ended:", err)
	return 1
}

// killedRunner starts a runner (this test binary, as cellParent) whose
// cell is prog family, kills it with SIGKILL once every process of the
// family has started, and returns the pids of the family (main first) and
// how many of them are still alive after wait, then kills those.
func killedRunner(t *testing.T, direct bool, wait time.Duration) (family []int, left []int, gone time.Duration) {
	t.Helper()
	dir := t.TempDir()
	pidFile, familyFile := filepath.Join(dir, "pid"), filepath.Join(dir, "family")
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "RUN_TEST_HELPER=cellparent", "RUN_TEST_PROG="+prog,
		"RUN_TEST_ARGS=family", "RUN_TEST_PIDFILE="+pidFile, "RUN_TEST_FAMILYFILE="+familyFile)
	if direct {
		parent.Env = append(parent.Env, "RUN_TEST_DIRECT=1")
	}
	parent.Stderr = os.Stderr
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	family = append(family, readPID(t, pidFile))
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(familyFile)
		if err == nil {
			for _, f := range strings.Fields(string(b)) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("family file %q", b)
				}
				family = append(family, pid)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no family file")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, pid := range family {
		if !alive(pid) {
			t.Fatalf("process %d of the family died while its runner lived", pid)
		}
	}
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	killed := time.Now()
	for {
		left = left[:0]
		for _, pid := range family {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		gone = time.Since(killed)
		if len(left) == 0 || gone > wait {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	for _, pid := range left {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return family, left, gone
}

// TestKilledRunnerLeavesNothing: when the runner is killed by SIGKILL, no
// process of its cell survives it by more than a second — on Linux neither
// a child in the cell's group, nor one in a session of its own, nor a
// daemon whose parent is gone; elsewhere, those in the group.
func TestKilledRunnerLeavesNothing(t *testing.T) {
	t.Parallel()
	family, left, gone := killedRunner(t, false, time.Second)
	want := family // main, in group, setsid, daemon
	if runtime.GOOS != "linux" {
		want = family[:2] // outside the group they escape
	}
	for _, pid := range left {
		for _, w := range want {
			if pid == w {
				t.Errorf("process %d of the cell (main, in group, setsid, daemon: %v) outlived its runner by %v", pid, family, gone)
			}
		}
	}
	t.Logf("with a supervisor: %d of %d processes left %v after the runner was killed", len(left), len(family), gone.Round(time.Millisecond))
}

// TestKilledRunnerDirect measures what the supervisor is for: started
// directly, the main process dies with the runner (parent-death signal),
// the others live on.
func TestKilledRunnerDirect(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	t.Parallel()
	family, left, _ := killedRunner(t, true, time.Second)
	if alive(family[0]) {
		t.Errorf("main process %d outlived its runner", family[0])
	}
	t.Logf("without a supervisor: %d of %d processes (main, in group, setsid, daemon: %v) left 1s after the runner was killed: %v", len(left), len(family), family, left)
}

// TestSupervisedTimes: the start is taken before the fork, so Spawn, the
// time exec took, is part of every duration.
func TestSupervisedTimes(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("exit", "0"))
	want(t, r, results.Complete, "exit status 0")
	if r.Spawn <= 0 || r.Spawn > r.CompletedAfter || r.CompletedAfter > r.Duration {
		t.Errorf("Spawn %v, CompletedAfter %v, Duration %v", r.Spawn, r.CompletedAfter, r.Duration)
	}
}

// TestSupervisorRefusesUser: a supervisor started by hand says what it is.
func TestSupervisorRefusesUser(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), supervisor.Env+"="+supervisor.Proto)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "only the runner starts cell supervisors") {
		t.Errorf("got %v: %s", err, out)
	}
}

func TestFromMono(t *testing.T) {
	m := supervisor.Now()
	now := time.Now()
	if d := supervisor.Time(m).Sub(now); d > time.Millisecond || d < -time.Millisecond {
		t.Errorf("Time(Now()) is %v from time.Now()", d)
	}
}

// TestSupervisorFollowsChdir: a supervisor kept from an earlier cell starts
// the next in the runner's working directory of now, not of then. Not
// parallel: it changes the test's working directory.
func TestSupervisorFollowsChdir(t *testing.T) {
	runCell(t, spec("exit", "0")) // a supervisor is kept
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := runCell(t, spec("pwd"))
	if got := strings.TrimSpace(r.Stdout.Head); got != dir+" <nil>" {
		t.Errorf("working directory %q, want %q", got, dir)
	}
}

// TestShutdown: the idle supervisors exit and are reaped. Not parallel:
// it empties the pool the other tests use.
func TestShutdown(t *testing.T) {
	runCell(t, spec("exit", "0")) // a supervisor is kept
	idle.Lock()
	var pids []int
	for _, s := range idle.sups {
		pids = append(pids, s.pid)
	}
	idle.Unlock()
	if len(pids) == 0 {
		t.Fatal("no idle supervisor kept")
	}
	Shutdown()
	for _, pid := range pids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); runtime.GOOS == "linux" && err == nil {
			t.Errorf("supervisor %d still there (a zombie not reaped?)", pid)
		}
		if alive(pid) {
			t.Errorf("supervisor %d alive after Shutdown", pid)
		}
	}
	runCell(t, spec("exit", "0")) // and a new one starts when needed
}
