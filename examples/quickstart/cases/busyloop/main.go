// A goroutine prints "hi" and ends the process while main spins in a
// loop that makes no function calls. The cell completes when the
// program exits with status 0, and hangs when the loop keeps the
// goroutine from ever running.
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
