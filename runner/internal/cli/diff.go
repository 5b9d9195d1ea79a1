package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// cmdDiff compares two results.json files: cells whose outcome changed
// (new hangs first), cells added and removed, claims whose verdict
// changed. Its exit status is 1 when something regressed — a cell that
// completed now hangs, fails or does not build; a claim that held no
// longer does; a cell of OLD (other than a skip) is missing from NEW —
// so a scheduled workflow fails on a behaviour change between Go
// releases. See report.Delta for the pairing of cells across runs.
func cmdDiff(ctx context.Context, e *Env, args []string) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "output `format`: text (a line per change) or markdown")
	out := fs.String("o", "", "write to this `file` instead of standard output (atomically)")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), diffUsage, report.RegressionDefinition); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("want two results.json files, OLD and NEW, got %d arguments\nhint: gomatrix diff old/results.json results/results.json", fs.NArg())
	}
	render, ok := diffFormats[*format]
	if !ok {
		return usagef("-format %s: unknown format\nhint: formats: text, markdown", *format)
	}
	var runs [2]*results.Results
	for i, path := range fs.Args() {
		r, err := results.Read(path)
		if err != nil {
			return &usageError{err}
		}
		runs[i] = r
	}
	d := report.Diff(runs[0], runs[1])
	d.OldName, d.NewName = fs.Arg(0), fs.Arg(1)
	var buf bytes.Buffer
	if err := render(&buf, d); err != nil {
		return err
	}
	if err := e.output(*out, buf.Bytes()); err != nil {
		return err
	}
	if n := d.Regressions(); n > 0 {
		where := "above"
		if *out != "" {
			where = "in " + *out
		}
		return fmt.Errorf("%d regression(s); see %s", n, where)
	}
	return nil
}

// diffFormats are the renderings of a diff, by -format name.
var diffFormats = map[string]func(io.Writer, *report.Delta) error{
	"text": report.DiffText, "plain": report.DiffText,
	"markdown": report.DiffMarkdown, "md": report.DiffMarkdown,
}

const diffUsage = `usage: gomatrix diff [-format text|markdown] [-o FILE] OLD.json NEW.json

Compares two runs' results: the cells whose outcome changed (new hangs
first), the cells added and removed, the claims whose verdict changed.
A cell of OLD is the same cell of NEW when case, Go version, GOMAXPROCS,
GODEBUG and GOEXPERIMENT agree; otherwise, when they share a case,
settings and versions entry and one cell of each run is left for them
(">=1.13" now giving go1.26.9 where it gave go1.26.8), they are compared
as the same cell with the toolchain moved.

Regressions, precisely: %s.

Exit status: 0 no regression; 1 at least one regression, or the output
could not be written; 2 bad usage, or a file that cannot be read.

Flags:
`
