// The article's runtime.Gosched() variant, exiting once "hi" is printed:
// the benchmark's second case (the peer loop judges by exit status).
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	go func() {
		fmt.Println("hi")
		os.Exit(0)
	}()
	for {
		runtime.Gosched()
	}
}
