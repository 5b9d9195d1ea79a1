// Command runner builds and runs Go programs under every combination of
// Go version, GOMAXPROCS, GODEBUG and GOEXPERIMENT a matrix names, and
// writes a results table. See doc.go, or run it with -h.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"gomatrix/runner/internal/cli"
	"gomatrix/runner/internal/run"
)

func main() {
	// The first Ctrl-C (or SIGTERM) cancels the run: every cell's process
	// group is killed and the finished cells are written. A second one
	// exits at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	run.Shutdown() // the idle cell supervisors exit, and are reaped, before we do
	os.Exit(code)
}
