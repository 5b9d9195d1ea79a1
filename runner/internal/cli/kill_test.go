//go:build linux

package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKill9: a runner killed by SIGKILL while its cells run leaves no
// process of theirs behind, within a second: not the cells' own processes,
// not a child in their process group, not one in a session of its own, not
// a daemon whose parent is gone. Two cells run at once, each with those
// four processes; they are found by a marker in their environment.
//
// KILLTEST_RUNNER names another runner binary to measure instead of the one
// built here (a build of an older commit, say); the test then reports what
// it leaves and fails as it would.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a real runner")
	}
	bin := os.Getenv("KILLTEST_RUNNER")
	if bin == "" {
		bin = buildRunner(t)
	}
	dir := t.TempDir()
	marker := fmt.Sprintf("gomatrix-killtest-%d-%d", os.Getpid(), time.Now().UnixNano())
	family, _ := filepath.Abs("testdata/kill/family")
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("versions: [local]\ngomaxprocs: [1, 2]\ncases: ["+family+"]\nenv: {KILLTEST: "+marker+"}\ntimeout: 60s\n"), 0o644)
	cmd := exec.Command(bin, "-q", "-p", "3", "-f", m, "-o", filepath.Join(dir, "out"), "-rerun")
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Both cells run, each with its three children (the daemon's parent
	// has exited): 8 processes.
	const want = 8
	deadline := time.Now().Add(2 * time.Minute)
	for len(marked(marker)) < want {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
		if time.Now().After(deadline) || bytes.Contains(st, []byte(") Z ")) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%d processes of the cells, want %d; the runner said:\n%s", len(marked(marker)), want, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := marked(marker)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	killed := time.Now()
	var left []int
	for {
		left = marked(marker)
		if len(left) == 0 || time.Since(killed) > time.Second {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("kill -9 of the runner with %d processes of 2 cells running: %d left after %v", len(before), len(left), time.Since(killed).Round(100*time.Microsecond))
	for _, pid := range left {
		t.Errorf("process %d (%s) outlived the runner by a second", pid, cmdline(pid))
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// marked lists the live processes whose environment holds marker.
func marked(marker string) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		env, err := os.ReadFile(filepath.Join(p, "environ"))
		if err != nil || !bytes.Contains(env, []byte(marker)) {
			continue
		}
		if st, _ := os.ReadFile(filepath.Join(p, "stat")); bytes.Contains(st, []byte(") Z ")) {
			continue // a zombie waiting for its reaper is not running
		}
		if pid, err := strconv.Atoi(filepath.Base(p)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
