// The loop calls a function on every iteration. The article says that
// before Go 1.14 the preempt flag sysmon sets is checked "in the function
// prologue when the G makes a function call", so a loop that calls a
// function can be preempted even without asynchronous preemption.
//
// This callee is the simplest function call there is: not inlined
// (go:noinline), a leaf (it calls nothing) with a tiny frame. Compare
// funccall-nonleaf.
//
// Claim it tests (see matrix.yaml): C8.
package main

import "fmt"

var counter int

//go:noinline
func work() {
	counter++
}

func main() {
	go fmt.Println("hi")
	for {
		work()
	}
}
