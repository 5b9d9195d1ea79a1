package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"

	"gomatrix/runner/internal/report"
	"gomatrix/runner/internal/results"
)

func cmdReport(ctx context.Context, e *Env, args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	format := fs.String("format", "markdown", "output format: markdown")
	out := fs.String("o", "", "write to this file instead of standard output (atomically)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: runner report [-format markdown] [-o FILE] [results.json]

Renders a results.json (default results/results.json) in another format.
The committed results/results.md is exactly 'runner report -o results/results.md'.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(e.Stderr, "runner report: want at most one results.json, got %d arguments\n", fs.NArg())
		return ExitUsage
	}
	path := "results/results.json"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	r, err := results.Read(path)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner report: %v\n", err)
		return ExitFailure
	}
	if *format != "markdown" && *format != "md" {
		fmt.Fprintf(e.Stderr, "runner report: unknown format %q\nhint: formats: markdown\n", *format)
		return ExitUsage
	}
	data, err := render(r)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner report: %v\n", err)
		return ExitFailure
	}
	if *out == "" {
		_, err = e.Stdout.Write(data)
	} else {
		err = results.WriteFile(*out, data)
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner report: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

func render(r *results.Results) ([]byte, error) {
	var buf bytes.Buffer
	if err := report.Markdown(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func flagExit(err error) int {
	if err == flag.ErrHelp {
		return ExitOK
	}
	return ExitUsage
}
