// The loop calls a function that itself calls another function. A
// function that makes calls always gets the stack-bound check in its
// prologue — the check that also notices the preempt flag — whereas the
// compiler drops it from small leaf functions (see funccall).
//
// Claim it tests (see matrix.yaml): C8, with a second kind of callee.
package main

import "fmt"

var counter int

//go:noinline
func inner() int { return 1 }

//go:noinline
func work() {
	counter += inner()
}

func main() {
	go fmt.Println("hi")
	for {
		work()
	}
}
