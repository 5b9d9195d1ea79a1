// The article's first fix: runtime.Gosched() in the loop yields to the
// goroutine that prints "hi".
//
// Claim it tests (see matrix.yaml): calling runtime.Gosched() in the loop
// lets "hi" print on every version and setting (C4).
package main

import (
	"fmt"
	"runtime"
)

func main() {
	go fmt.Println("hi")
	for {
		runtime.Gosched()
	}
}
