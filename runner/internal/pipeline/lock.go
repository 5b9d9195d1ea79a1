package pipeline

import (
	"errors"
	"fmt"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lockFile is the file in an output directory that a run holding the
// directory locks, and in which it writes its pid.
const lockFile = ".lock"

// ErrOutputBusy is what LockOutput's error wraps when another run holds the
// directory.
var ErrOutputBusy = errors.New("in use by another run")

// LockOutput takes the output directory dir (created if need be) for this
// process, so that two runs, or a run and a merge, never write the same
// results at once: an exclusive lock on dir/.lock (flock on unix,
// LockFileEx on Windows), which holds the pid of the holder. It fails at
// once when another process holds it, with an error that names the
// directory and that process. unlock releases it; so does the end of the
// process, however it ends, so that a run killed outright leaves no stale
// lock. Where files cannot be locked (plan9, wasm) it does nothing.
func LockOutput(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock output directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock output directory %s: %w", dir, err)
	}
	ok, err := toolchain.TryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock output directory %s: %w", dir, err)
	}
	if !ok {
		f.Close()
		return nil, fmt.Errorf("output directory %s: %w (%s)\nhint: wait for it to finish, or write elsewhere with -o", dir, ErrOutputBusy, holder(path))
	}
	// Best effort: the pid only serves the message of the next comer.
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		toolchain.Unlock(f)
		f.Close()
	}, nil
}

// holder says which process holds the lock at path, from the pid it wrote.
func holder(path string) string {
	// The holder may have locked the file and not yet written its pid.
	for range 3 {
		b, _ := os.ReadFile(path)
		if pid := strings.TrimSpace(string(b)); pid != "" {
			return "pid " + pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "pid unknown"
}
