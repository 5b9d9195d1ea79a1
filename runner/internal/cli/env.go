package cli

import (
	"io"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
)

// Env is what every subcommand is handed: its output streams and the
// process environment, so tests can run subcommands in-process.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// IsTTY reports whether Stderr is a terminal (progress bars, colour).
	IsTTY bool
	// Prog is the command as the user invoked it ("gomatrix", "go run
	// ./runner"); help and hints name it. Empty means "gomatrix".
	Prog string
}

func (e *Env) prog() string {
	if e.Prog == "" {
		return "gomatrix"
	}
	return e.Prog
}

// named rewrites the commands a help text or hint names ("gomatrix
// run …") as the user invoked the command.
func (e *Env) named(s string) string {
	if p := e.prog(); p != "gomatrix" {
		s = strings.ReplaceAll(s, "gomatrix ", p+" ")
	}
	return s
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
