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

// offline returns e with the environment of -offline: no toolchain
// downloads (GOMATRIX_OFFLINE=1) and no module downloads (GOPROXY=off).
func (e *Env) offline() *Env {
	o := *e
	o.Getenv = func(k string) string {
		switch k {
		case "GOMATRIX_OFFLINE":
			return "1"
		case "GOPROXY":
			return "off"
		}
		return e.Getenv(k)
	}
	return &o
}

// pipeline returns the pipeline's view of e, with toolchain progress
// going to progress.
func (e *Env) pipeline(progress io.Writer) pipeline.Env {
	return pipeline.Env{Getenv: e.Getenv, Progress: progress, IsTTY: e.IsTTY}
}
