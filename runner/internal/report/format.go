package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Format is a rendering of results: adding one is adding an entry to
// Formats.
type Format struct {
	Name    string
	Ext     string   // the file extension that implies it ("gomatrix report -o x.csv")
	Aliases []string // other names -format accepts
	Doc     string   // what it is, for help texts
	Render  func(w io.Writer, r *results.Results) error
}

// Formats are the renderings of results, in the order help lists them.
var Formats = []Format{
	{Name: "markdown", Ext: ".md", Aliases: []string{"md"}, Doc: "GitHub-flavoured tables (results/results.md)", Render: Markdown},
	{Name: "html", Ext: ".html", Doc: "one self-contained page: claims, a heatmap of the cells,\neach cell's details on click (results/index.html)", Render: HTML},
	{Name: "csv", Ext: ".csv", Doc: "one row per cell, a column per axis and recorded field", Render: CSV},
	{Name: "junit", Ext: ".xml", Doc: "JUnit XML as go test users read it: a testsuite per case, a\ntestcase per cell (per test per cell for a test case); fail and\nhang are failures, build-error an error, skip skipped; the claims\nare a testsuite of their own (refuted or partly: a failure)", Render: JUnit},
	{Name: "json", Ext: ".json", Doc: "results.json itself, re-indented", Render: renderJSON},
}

func renderJSON(w io.Writer, r *results.Results) error {
	data, err := results.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// LookupFormat returns the format called name (or one of its aliases).
func LookupFormat(name string) (Format, bool) {
	for _, f := range Formats {
		if f.Name == name {
			return f, true
		}
		for _, a := range f.Aliases {
			if a == name {
				return f, true
			}
		}
	}
	return Format{}, false
}

// FormatOfFile returns the format a file's extension implies.
func FormatOfFile(path string) (Format, bool) {
	for _, f := range Formats {
		if strings.EqualFold(filepath.Ext(path), f.Ext) {
			return f, true
		}
	}
	return Format{}, false
}

// FormatNames lists the formats' names, "markdown, html, …".
func FormatNames() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Render renders r in the named format.
func Render(format string, r *results.Results) ([]byte, error) {
	f, ok := LookupFormat(format)
	if !ok {
		return nil, fmt.Errorf("render: unknown format %q", format)
	}
	var buf bytes.Buffer
	if err := f.Render(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
