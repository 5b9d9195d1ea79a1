// Prints without end: a hang at the timeout, with bounded output kept.
package main

import (
	"bufio"
	"os"
)

func main() {
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	line := []byte("all work and no play makes jack a dull boy, all work and no play makes jack a dull boy\n")
	for {
		w.Write(line)
	}
}
