// Package command is the entry point of the gomatrix command, shared by
// the installed binary (cmd/gomatrix) and `go run ./runner` in a clone of
// the repository. It is not a library API: everything it does is
// internal/cli's, behind this one function.
package command

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gomatrix/gomatrix/runner/internal/cli"
	"github.com/gomatrix/gomatrix/runner/internal/run"
)

// Main runs the command line of the process and exits with its status.
func Main() {
	// The first Ctrl-C (or SIGTERM) cancels the run: every cell's process
	// group is killed and the finished cells are written. A second one
	// exits at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args, os.Stdout, os.Stderr)
	run.Shutdown() // the idle cell supervisors exit, and are reaped, before we do
	os.Exit(code)
}
