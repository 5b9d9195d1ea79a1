// Allocates without bound: stopped at the memory limit, fail.
package main

import "time"

var keep [][]byte

func main() {
	for {
		b := make([]byte, 8<<20)
		for i := range b {
			b[i] = 1
		}
		keep = append(keep, b)
		time.Sleep(time.Millisecond)
	}
}
