package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// reportUsage is the help of 'gomatrix report'; the formats are listed from
// report.Formats.
func reportUsage() string {
	var b strings.Builder
	b.WriteString(`usage: gomatrix report [-format ` + strings.ReplaceAll(report.FormatNames(), ", ", "|") + `] [-o FILE] [-max-bytes N] [results.json]

Renders a results.json (default results/results.json) in another format:

`)
	for _, f := range report.Formats {
		fmt.Fprintf(&b, "\t%-9s %s\n", f.Name, strings.ReplaceAll(f.Doc, "\n", "\n\t          "))
	}
	b.WriteString(`
The committed results/results.md is exactly 'gomatrix report -o results/results.md',
and results/index.html 'gomatrix report -o results/index.html'.

Flags:
`)
	return b.String()
}

// reportFlags are the flags of 'gomatrix report'.
type reportFlags struct {
	format, out, path string
	maxBytes          int
}

func parseReportFlags(e *Env, args []string) (*reportFlags, error) {
	f := &reportFlags{path: "results/results.json"}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.StringVar(&f.format, "format", "", "output `format`: "+report.FormatNames()+"\n(default: from the -o file's extension, else markdown)")
	fs.StringVar(&f.out, "o", "", "write to this `file` instead of standard output (atomically)")
	fs.IntVar(&f.maxBytes, "max-bytes", 0, "markdown: cut the report to at most `n` bytes, saying what was cut\n(GitHub's step summary takes 1048576)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), reportUsage()); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 1:
		return nil, usagef("want at most one results.json, got %d arguments\nhint: flags go before the file: gomatrix report -format html results.json", fs.NArg())
	case fs.NArg() == 1:
		f.path = fs.Arg(0)
	}
	return f, f.resolveFormat()
}

// resolveFormat sets format to the canonical name of the format asked
// for, or implied by the -o file, and checks -max-bytes goes with it.
func (f *reportFlags) resolveFormat() error {
	rf, ok := report.LookupFormat(f.format)
	if f.format == "" {
		rf, ok = report.FormatOfFile(f.out)
		if !ok {
			rf, ok = report.LookupFormat("markdown")
		}
	}
	if !ok {
		return usagef("-format %s: unknown format\nhint: formats: %s", f.format, report.FormatNames())
	}
	f.format = rf.Name
	if f.maxBytes != 0 && (f.format != "markdown" || f.maxBytes < 2048) {
		return usagef("-max-bytes %d: want at least 2048, and only with markdown", f.maxBytes)
	}
	return nil
}

// cmdReport implements 'gomatrix report'.
func cmdReport(ctx context.Context, e *Env, args []string) error {
	f, err := parseReportFlags(e, args)
	if err != nil {
		return err
	}
	r, err := results.Read(f.path)
	if err != nil {
		return err
	}
	var data []byte
	if f.maxBytes > 0 {
		var buf bytes.Buffer
		err = report.MarkdownLimited(&buf, r, f.maxBytes, "the HTML report (gomatrix report -format html) and "+filepath.ToSlash(f.path))
		data = buf.Bytes()
	} else {
		data, err = report.Render(f.format, r)
	}
	if err != nil {
		return err
	}
	return e.output(f.out, data)
}

// output writes data to the file path, atomically, or to stdout when
// path is "".
func (e *Env) output(path string, data []byte) error {
	if path == "" {
		_, err := e.Stdout.Write(data)
		return err
	}
	return results.WriteFile(path, data)
}
