//go:build !unix && !windows

package toolchain

import (
	"errors"
	"os"
)

// tryLock always succeeds where there is no file locking (plan9, wasm):
// two runners may then both download a toolchain, which is safe but slow,
// since installation ends in an atomic rename that only one of them wins.
func tryLock(f *os.File) (bool, error) { return true, nil }

func unlock(f *os.File) error { return nil }

func isDiskFull(err error) bool { return errors.Is(err, errNoSpace) }

// errNoSpace is what a write to a full disk fails with.
var errNoSpace error = errors.New("no space left on device")
