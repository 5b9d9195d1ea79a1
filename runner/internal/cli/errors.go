package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
)

// Exit statuses, stable for scripts.
const (
	ExitOK          = 0   // the command did what it was asked
	ExitFailure     = 1   // it ran, but something failed (a toolchain could not be had)
	ExitUsage       = 2   // bad flags, or a bad matrix or case file: nothing was run
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM; finished cells were written
)

// A usageError is an error in how a command was called: bad flags or
// arguments. Like a pipeline.InputError, nothing was run.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError; a hint goes on a line of its own.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errHelp says the command printed its help, as asked: exit status 0.
var errHelp = errors.New("help requested")

// exitCode is the exit status for err, the error a command returned.
func exitCode(err error) int {
	var ue *usageError
	var ie *pipeline.InputError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &ue), errors.As(err, &ie):
		return ExitUsage
	}
	return ExitFailure
}

// parseFlags parses args with fs. Help asked for (-h) goes to stdout and
// returns errHelp; a bad flag is a usageError, with a hint to -h.
func (e *Env) parseFlags(fs *flag.FlagSet, args []string) error {
	var help bytes.Buffer
	fs.SetOutput(&help)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.Stdout, e.named(help.String()))
		return errHelp
	case err != nil:
		return usagef("%v\n%shint: 'gomatrix help %s' describes every flag", err, usageLine(help.String()), fs.Name())
	}
	return nil
}

// usageLine returns the "usage: …" line of a command's help, with its
// newline, or "".
func usageLine(help string) string {
	for line := range strings.Lines(help) {
		if strings.HasPrefix(line, "usage: ") {
			return line
		}
	}
	return ""
}
