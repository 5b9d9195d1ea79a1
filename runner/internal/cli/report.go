package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"gomatrix/runner/internal/report"
	"gomatrix/runner/internal/results"
)

// formats are the formats 'runner report' renders, with the file
// extensions that imply them when -format is not given.
var formats = []struct {
	name, ext string
	aliases   []string
}{
	{"markdown", ".md", []string{"md"}},
	{"html", ".html", nil},
	{"csv", ".csv", nil},
	{"junit", ".xml", nil},
	{"json", ".json", nil},
}

func formatNames() string {
	var names []string
	for _, f := range formats {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// formatOf returns the canonical name of format, or "".
func formatOf(format string) string {
	for _, f := range formats {
		if format == f.name {
			return f.name
		}
		for _, a := range f.aliases {
			if format == a {
				return f.name
			}
		}
	}
	return ""
}

func cmdReport(ctx context.Context, e *Env, args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	format := fs.String("format", "", "output `format`: "+formatNames()+"\n(default: from the -o file's extension, else markdown)")
	out := fs.String("o", "", "write to this `file` instead of standard output (atomically)")
	maxBytes := fs.Int("max-bytes", 0, "markdown: cut the report to at most `n` bytes, saying what was cut\n(GitHub's step summary takes 1048576)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: runner report [-format markdown|html|csv|junit|json] [-o FILE] [-max-bytes N] [results.json]

Renders a results.json (default results/results.json) in another format:

	markdown  GitHub-flavoured tables (results/results.md)
	html      one self-contained page: claims, a heatmap of the cells,
	          each cell's details on click (results/index.html)
	csv       one row per cell, a column per axis and recorded field
	junit     JUnit XML: a testsuite per case, a testcase per cell; a cell
	          that contradicts a claim is a failure
	json      results.json itself, re-indented

The committed results/results.md is exactly 'runner report -o results/results.md',
and results/index.html 'runner report -o results/index.html'.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(e.Stderr, "runner report: want at most one results.json, got %d arguments\nhint: flags go before the file: runner report -format html results.json\n", fs.NArg())
		return ExitUsage
	}
	name := formatOf(*format)
	if *format == "" {
		name = "markdown"
		for _, f := range formats {
			if *out != "" && strings.EqualFold(filepath.Ext(*out), f.ext) {
				name = f.name
			}
		}
	}
	if name == "" {
		fmt.Fprintf(e.Stderr, "runner report: -format %s: unknown format\nhint: formats: %s\n", *format, formatNames())
		return ExitUsage
	}
	if *maxBytes != 0 && (name != "markdown" || *maxBytes < 2048) {
		fmt.Fprintf(e.Stderr, "runner report: -max-bytes %d: want at least 2048, and only with markdown\n", *maxBytes)
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
	var data []byte
	if *maxBytes > 0 {
		var buf bytes.Buffer
		err = report.MarkdownLimited(&buf, r, *maxBytes, "the HTML report (runner report -format html) and "+filepath.ToSlash(path))
		data = buf.Bytes()
	} else {
		data, err = renderFormat(name, r)
	}
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

// render renders r as Markdown, the report written next to every
// results.json.
func render(r *results.Results) ([]byte, error) { return renderFormat("markdown", r) }

// renderFormat renders r in the named format (see formats).
func renderFormat(format string, r *results.Results) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "markdown":
		err = report.Markdown(&buf, r)
	case "html":
		err = report.HTML(&buf, r)
	case "csv":
		err = report.CSV(&buf, r)
	case "junit":
		err = report.JUnit(&buf, r)
	case "json":
		var data []byte
		data, err = results.Marshal(r)
		buf.Write(data)
	default:
		err = fmt.Errorf("render: unknown format %q", format)
	}
	if err != nil {
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
