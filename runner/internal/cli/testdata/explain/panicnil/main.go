// Panicnil recovers from panic(nil). Since go1.21 that panics with a
// *runtime.PanicNilError, so recover returns it; with GODEBUG=panicnil=1
// recover returns nil, as if nothing had panicked.
package main

import (
	"fmt"
	"os"
)

func main() {
	defer func() {
		if recover() == nil {
			fmt.Println("recover() returned nil after panic(nil)")
			os.Exit(1)
		}
	}()
	panic(nil)
}
