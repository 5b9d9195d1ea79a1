// The article's program, with the goroutine ending the process after it
// prints "hi": the cell completes on exit, so "complete" does not rely on
// reading output.
//
// Claims it tests (see matrix.yaml): C1, C2, C3, C5, C7 — as the article's
// program.
package main

import (
	"fmt"
	"os"
)

func main() {
	go func() {
		fmt.Println("hi")
		os.Exit(0)
	}()
	for {
	}
}
