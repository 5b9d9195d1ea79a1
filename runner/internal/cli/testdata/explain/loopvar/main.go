// Loopvar keeps the address of its loop variable from every iteration.
// Built with a go line before 1.22 the iterations share one variable,
// so every pointer sees its last value and the sum is wrong.
package main

import (
	"fmt"
	"os"
)

func main() {
	var seen []*int
	for i := 0; i < 3; i++ {
		seen = append(seen, &i)
	}
	sum := 0
	for _, p := range seen {
		sum += *p
	}
	if sum != 0+1+2 {
		fmt.Printf("the iterations shared one loop variable: sum %d, want 3\n", sum)
		os.Exit(1)
	}
	fmt.Println("each iteration had its own loop variable")
}
