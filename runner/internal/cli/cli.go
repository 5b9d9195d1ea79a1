// Package cli is the runner's command line: a table of subcommands, each
// a function of its arguments and an Env that returns an error, so tests
// run them in-process. Main prints the error once, with one prefix, and
// chooses the exit status from its type (see exitCode).
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *Env, args []string) error
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
		{"explain", "find the source lines where a GODEBUG setting or the go line flips a cell", cmdExplain},
		{"compat", "test a published module version on every Go release: declared vs observed minimum Go", cmdCompat},
		{"help", "show help for a command", cmdHelp},
	}
}

// Main runs the command line args (args[0] is the program, as os.Args
// has it) and returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Prog: progName(args[0])}
	if f, ok := stderr.(*os.File); ok {
		e.IsTTY = term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
	}
	return e.Main(ctx, args[1:])
}

// progName is how the user invoked the command, for help and hints:
// "gomatrix" when installed, "go run ./runner" when go run built it into
// a temporary directory, else the program's base name.
func progName(arg0 string) string {
	slash := filepath.ToSlash(arg0)
	base := strings.TrimSuffix(slash[strings.LastIndexAny(slash, `/\`)+1:], ".exe")
	if base == "runner" && strings.Contains(slash, "/go-build") {
		return "go run ./runner"
	}
	if base == "" || base == "." {
		return "gomatrix"
	}
	return base
}

// Main dispatches args to a subcommand — "run" when the first argument is
// a flag or absent, so `go run ./runner` runs the default matrix — prints
// its error, if any, and returns the exit status.
func (e *Env) Main(ctx context.Context, args []string) int {
	name, err := e.dispatch(ctx, args)
	if err != nil && exitCode(err) != ExitOK {
		fmt.Fprintf(e.Stderr, "%s: %s\n", strings.TrimSpace(e.prog()+" "+name), e.named(err.Error()))
	}
	return exitCode(err)
}

// dispatch runs the command args name and returns its name and error.
func (e *Env) dispatch(ctx context.Context, args []string) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			e.usage()
			return "", nil
		}
		return "run", cmdRun(ctx, e, args)
	}
	if c, ok := lookup(args[0]); ok {
		return c.name, c.run(ctx, e, args[1:])
	}
	if isMatrixArg(args[0]) {
		return "run", cmdRun(ctx, e, args)
	}
	return "", usagef("unknown command %q\nhint: 'gomatrix help' lists the commands", args[0])
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage prints the command list, naming the command as it was invoked.
func (e *Env) usage() {
	var b strings.Builder
	usageText(&b)
	fmt.Fprint(e.Stdout, e.named(b.String()))
}

func usageText(w io.Writer) {
	fmt.Fprint(w, `gomatrix: how Go code behaves across Go versions and runtime settings.
It builds and runs Go programs and test suites under every combination of
Go version, GOMAXPROCS, GODEBUG and GOEXPERIMENT that a matrix.yaml names,
and writes a results table.

Usage:
	gomatrix [run flags] [matrix.yaml] run the matrix (same as 'run')
	gomatrix <command> [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'gomatrix help <command>' (or '<command> -h') for its flags.

Environment:
	GOMATRIX_CACHE   cache directory (toolchains, build caches, binaries,
	                 cached results); default: the user cache directory + /gomatrix
	GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE
	                 where toolchains are fetched from and how they are verified
	GOMATRIX_SOURCES, GOMATRIX_DL_BASE, GOMATRIX_OFFLINE
	                 toolchain sources (see docs/toolchains.md)
	NO_COLOR         no colour in terminal output

Exit status: 0 done; 1 done, but something failed (a toolchain could not
be had) or a -fail-on condition was met (by default: a claim refuted or
holding partly); 2 usage or matrix error, nothing run; 130 interrupted
(finished cells were written).
`)
}

// cmdHelp prints the help of a command, or the list of commands.
func cmdHelp(ctx context.Context, e *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		e.usage()
		return nil
	}
	c, ok := lookup(args[0])
	if !ok {
		return usagef("unknown command %q\nhint: 'gomatrix help' lists the commands", args[0])
	}
	return c.run(ctx, e, []string{"-h"})
}
