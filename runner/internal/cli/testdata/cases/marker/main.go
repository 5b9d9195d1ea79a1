// Prints "ready" and then never exits: complete on output.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
