// Package cli is the runner's command line: a table of subcommands, each
// a function of its arguments and an Env, so tests run them in-process.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Exit statuses, stable for scripts.
const (
	ExitOK          = 0   // the command did what it was asked
	ExitFailure     = 1   // it ran, but something failed (a toolchain could not be had)
	ExitUsage       = 2   // bad flags, or a bad matrix or case file: nothing was run
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM; finished cells were written
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *Env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"run", "build and run the matrix's cells and write the results (the default)", cmdRun},
		{"plan", "split the matrix into shards: the strategy.matrix of a GitHub Actions workflow", cmdPlan},
		{"merge", "merge the results of shards, or of several hosts, into one", cmdMerge},
		{"versions", "show what version selectors resolve to", cmdVersions},
		{"toolchains", "list, fetch or prune cached toolchains", cmdToolchains},
		{"report", "render a results.json again (markdown, html, csv, junit, json)", cmdReport},
		{"diff", "compare two results.json; exit status 1 when something regressed", cmdDiff},
		{"bisect", "find the first release where a cell's outcome changes", cmdBisect},
		{"help", "show help for a command", cmdHelp},
	}
}

// Main runs the command line args (without the program name) and returns
// the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
	if f, ok := stderr.(*os.File); ok {
		e.IsTTY = term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
	}
	return e.Main(ctx, args)
}

// Main dispatches args to a subcommand; "run" when the first argument is
// a flag or absent, so `go run ./runner` runs the default matrix.
func (e *Env) Main(ctx context.Context, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			usage(e.Stdout)
			return ExitOK
		}
		return cmdRun(ctx, e, args)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.Stderr, "runner: unknown command %q\nhint: run 'go run ./runner help' for the list\n", args[0])
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `runner builds and runs Go programs under every combination of Go version,
GOMAXPROCS, GODEBUG and GOEXPERIMENT that a matrix.yaml names, and writes
a results table.

Usage:
	go run ./runner [run flags]        run matrix.yaml (same as 'run')
	go run ./runner <command> [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'go run ./runner help <command>' (or '<command> -h') for its flags.

Environment:
	GOMATRIX_CACHE   cache directory (toolchains, build caches, binaries,
	                 cached results); default: the user cache directory + /gomatrix
	GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE
	                 where toolchains are fetched from and how they are verified
	GOMATRIX_SOURCES, GOMATRIX_DL_BASE, GOMATRIX_OFFLINE
	                 toolchain sources (see README "Toolchains")
	NO_COLOR         no colour in terminal output

Exit status: 0 done; 1 done but something failed (a toolchain could not be
had); 2 usage or matrix error, nothing run; 130 interrupted (finished
cells were written).
`)
}

func cmdHelp(ctx context.Context, e *Env, args []string) int {
	if len(args) == 0 {
		usage(e.Stdout)
		return ExitOK
	}
	for _, c := range commands {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, &Env{Stdout: e.Stdout, Stderr: e.Stdout, Getenv: e.Getenv}, []string{"-h"})
		}
	}
	fmt.Fprintf(e.Stderr, "runner help: unknown command %q\n", args[0])
	return ExitUsage
}
