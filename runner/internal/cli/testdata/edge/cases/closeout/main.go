// Closes its stdout and stderr, then spins: hang (the runner must not
// take closed pipes for an exit).
package main

import "os"

func main() {
	os.Stdout.Close()
	os.Stderr.Close()
	for {
	}
}
