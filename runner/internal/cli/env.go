package cli

import (
	"io"

	"gomatrix/runner/internal/pipeline"
)

// Env is what every subcommand is handed: its output streams and the
// process environment, so tests can run subcommands in-process.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// IsTTY reports whether Stderr is a terminal (progress bars, colour).
	IsTTY bool
}

// pipeline returns the pipeline's view of e, with toolchain progress
// going to progress.
func (e *Env) pipeline(progress io.Writer) pipeline.Env {
	return pipeline.Env{Getenv: e.Getenv, Progress: progress, IsTTY: e.IsTTY}
}
