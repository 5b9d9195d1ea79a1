// Command xsync uses errgroup.SetLimit, which golang.org/x/sync has had
// since v0.1.0, from the module version the case names (v0.10.0).
package main

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	g.SetLimit(2)
	var n int64
	for i := 0; i < 10; i++ {
		g.Go(func() error { atomic.AddInt64(&n, 1); return nil })
	}
	g.Wait()
	fmt.Println("ran", n)
}
