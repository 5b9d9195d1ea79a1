// How long does a goroutine that never yields keep another one waiting?
// The article says sysmon asks a goroutine to yield once it has run for
// more than 10 ms. Main spins in a loop whose callee has a prologue check
// (so it is preemptible on every version, asynchronous preemption or
// not); the goroutine measures how long it waited before it ran.
// The cell's complete_ms is the same wait seen from outside the process.
//
// Claim it tests (see matrix.yaml): C6. This is a copy of cases/sysmon
// for bench/timing, so that an edit of the case does not change what the
// benchmark measures.
package main

import (
	"fmt"
	"time"
)

var counter int

//go:noinline
func inner() int { return 1 }

//go:noinline
func work() {
	counter += inner()
}

func main() {
	start := time.Now()
	go func() {
		fmt.Printf("hi after %.2f ms\n", float64(time.Since(start).Microseconds())/1000)
	}()
	for {
		work()
	}
}
