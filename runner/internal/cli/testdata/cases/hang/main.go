// Spins forever: hang, with a goroutine dump naming spin.
package main

import "sync/atomic"

var n atomic.Int64

//go:noinline
func spin() {
	for {
		n.Add(1)
	}
}

func main() { spin() }
