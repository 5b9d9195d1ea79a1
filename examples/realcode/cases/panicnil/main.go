// Command panicnil recovers from panic(nil). With go line 1.21 and later
// (and no GODEBUG=panicnil=1) recover returns a *runtime.PanicNilError;
// before, it returns nil — indistinguishable from "no panic" — and the
// program exits 1.
package main

import (
	"fmt"
	"os"
)

func main() {
	r := func() (r any) {
		defer func() { r = recover() }()
		panic(nil)
	}()
	fmt.Printf("recovered %T\n", r)
	if r == nil {
		fmt.Println("panic(nil) recovered as nil")
		os.Exit(1)
	}
}
