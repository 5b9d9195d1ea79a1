//go:build unix && !netbsd

package supervisor

import "golang.org/x/sys/unix"

const clockMonotonic = unix.CLOCK_MONOTONIC
