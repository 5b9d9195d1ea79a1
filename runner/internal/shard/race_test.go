//go:build race

package shard

// raceEnabled reports whether the tests run with the race detector, which
// makes the million-cell plan too slow to be worth it: planning is
// single-goroutine code.
const raceEnabled = true
