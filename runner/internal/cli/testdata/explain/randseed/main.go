// Randseed seeds the global generator and expects the sequence of that
// seed. Since go1.24 rand.Seed is a no-op unless GODEBUG=randseednop=0.
package main

import (
	"fmt"
	"math/rand"
	"os"
)

func main() {
	rand.Seed(42)
	got := rand.Int63()
	want := rand.New(rand.NewSource(42)).Int63()
	if got != want {
		fmt.Println("rand.Seed(42) did not seed the global generator")
		os.Exit(1)
	}
	fmt.Println("rand.Seed(42) seeded the global generator")
}
