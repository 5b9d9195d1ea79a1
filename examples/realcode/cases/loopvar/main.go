// Command loopvar keeps a closure per iteration of a three-clause for
// loop and calls them after the loop. With per-iteration loop variables
// (go line 1.22 and later) they print 0 1 2; with one variable for the
// whole loop (go line 1.21 and earlier) they print 3 3 3, and the program
// exits 1.
package main

import (
	"fmt"
	"os"
)

func main() {
	var prints []func() int
	for i := 0; i < 3; i++ {
		prints = append(prints, func() int { return i })
	}
	got := fmt.Sprint(prints[0](), prints[1](), prints[2]())
	fmt.Println(got)
	if got != "0 1 2" {
		fmt.Println("the closures share one loop variable")
		os.Exit(1)
	}
}
