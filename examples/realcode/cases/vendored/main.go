// Command vendored is errgroup with its dependency vendored: it builds
// with -mod=vendor and downloads nothing.
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
