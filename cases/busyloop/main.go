// The article's program, exactly as written: a goroutine prints "hi"
// while main spins in an empty loop that makes no function calls.
//
// Claims it tests (see matrix.yaml): from Go 1.14 the loop no longer
// keeps "hi" from printing with GOMAXPROCS=1 (C1); before Go 1.14 it does
// (C2); GODEBUG=asyncpreemptoff=1 brings the blocking back (C3);
// GOEXPERIMENT=preemptibleloops prevents it without code changes (C5).
package main

import (
	"fmt"
)

func main() {
	go fmt.Println("hi")
	for {
	}
}
