package toolchain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// lockFile takes an exclusive lock on the file at path (created if need
// be), waiting for it until ctx is done. waiting is called once if another
// holder makes it wait. The lock is released by the returned function, or
// by the system when the process dies, so a runner killed mid-download
// never blocks the next one.
func lockFile(ctx context.Context, path string, waiting func()) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	delay := 10 * time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return func() { unlock(f); f.Close() }, nil
		}
		if waiting != nil {
			waiting()
			waiting = nil
		}
		// Polling, not a blocking lock, so that ctx can cancel the wait.
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// TryLock takes an exclusive lock on the open file f without waiting,
// and reports whether it got it: flock on unix, LockFileEx on Windows,
// nothing where files cannot be locked. The system drops it when the
// process dies; Unlock releases it before.
func TryLock(f *os.File) (bool, error) { return tryLock(f) }

// Unlock releases a lock TryLock took.
func Unlock(f *os.File) error { return unlock(f) }

// LockFile takes an exclusive lock on the file at path as lockFile does:
// what else shares the cache directory between runners (the build
// directories, the rebuilt toolchains) is guarded with it too.
func LockFile(ctx context.Context, path string) (release func(), err error) {
	return lockFile(ctx, path, nil)
}
