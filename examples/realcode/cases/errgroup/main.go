// Command errgroup runs three goroutines under golang.org/x/sync/errgroup
// and prints the sum they computed: a program with a real dependency.
package main

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	var sum int64
	for _, n := range []int64{1, 2, 3} {
		n := n
		g.Go(func() error {
			atomic.AddInt64(&sum, n)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		panic(err)
	}
	fmt.Println("sum", sum)
}
