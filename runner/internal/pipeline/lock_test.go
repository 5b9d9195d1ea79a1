package pipeline

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary hold an output directory for another
// test, as a second runner would.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PIPELINE_TEST_HOLD"); dir != "" {
		if _, err := LockOutput(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func skipUnlockable(t *testing.T) {
	switch runtime.GOOS {
	case "plan9", "js", "wasip1":
		t.Skip("no file locking here")
	}
}

func TestLockOutput(t *testing.T) {
	skipUnlockable(t)
	dir := filepath.Join(t.TempDir(), "results")
	unlock, err := LockOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockOutput(dir)
	if !errors.Is(err, ErrOutputBusy) {
		t.Fatalf("second lock: %v, want %v", err, ErrOutputBusy)
	}
	msg := err.Error()
	if !strings.Contains(msg, dir) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(msg, "\nhint: ") {
		t.Errorf("message %q does not name the directory, the holder and a hint", msg)
	}
	t.Log(msg)
	unlock()
	unlock2, err := LockOutput(dir)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlock2()
}

// TestLockOutputOtherProcess: a directory another process holds is
// refused at once, naming that process; once it is killed outright, the
// directory is free: nothing stale is left.
func TestLockOutputOtherProcess(t *testing.T) {
	skipUnlockable(t)
	dir := filepath.Join(t.TempDir(), "results")
	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), "PIPELINE_TEST_HOLD="+dir)
	out, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("holder: %q, %v", buf, err)
	}
	start := time.Now()
	_, err := LockOutput(dir)
	if !errors.Is(err, ErrOutputBusy) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", holder.Process.Pid)) {
		t.Fatalf("got %v, want the directory refused naming pid %d", err, holder.Process.Pid)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v, want at once", d)
	}
	holder.Process.Kill()
	holder.Wait()
	unlock, err := LockOutput(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	unlock()
}
