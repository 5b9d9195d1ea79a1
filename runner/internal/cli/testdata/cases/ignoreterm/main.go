// Takes every signal it can (SIGTERM, SIGQUIT, SIGINT...) and ignores
// them while spinning: hang, and only SIGKILL stops it.
package main

import (
	"os"
	"os/signal"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c)
	go func() {
		for range c {
		}
	}()
	for {
	}
}
