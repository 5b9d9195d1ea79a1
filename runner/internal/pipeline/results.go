package pipeline

import (
	"maps"
	"path/filepath"
	"slices"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// MatrixInfo records the matrix m, its cases and the -only filter f as
// results.json keeps them: the same inputs always give the same record.
func MatrixInfo(m *matrix.Matrix, cases []*matrix.Case, f matrix.Filter) results.Matrix {
	mi := results.Matrix{
		File:         filepath.ToSlash(m.File),
		Versions:     m.Versions,
		GOMAXPROCS:   m.GOMAXPROCS,
		GODEBUG:      m.GODEBUG,
		GOEXPERIMENT: m.GOEXPERIMENT,
		Timeout:      m.Timeout.String(),
		BuildTimeout: m.BuildTimeout.String(),
		Repeat:       m.Repeat,
		Env:          m.Env,
	}
	if m.HasGoLineAxis() {
		mi.GoLine = m.GoLine
	}
	for _, c := range cases {
		rc := results.Case{Name: c.Name, Dir: filepath.ToSlash(c.Rel), Description: c.Description, CompleteOn: "exit", Go: c.Go.String()}
		rc.Kind = c.Kind
		rc.GoMod = c.HasGoMod || c.Module.Path != "" && !c.HasProgram
		if c.Module.Path != "" {
			rc.Module = c.Module.String()
			rc.Package = c.Package
		}
		if c.CompleteOn != nil {
			rc.CompleteOn = c.CompleteOn.String()
		}
		if c.Timeout != 0 {
			rc.Timeout = c.Timeout.String()
		}
		mi.Cases = append(mi.Cases, rc)
	}
	// By key, then in the order the flags were given.
	for _, k := range slices.Sorted(maps.Keys(f)) {
		for _, v := range f[k] {
			mi.Filter = append(mi.Filter, k+"="+v)
		}
	}
	return mi
}

// outputs are the files Write writes into a directory, each a format of
// report.Formats: results.json, the source of truth, first.
var outputs = []struct{ file, format string }{{"results.json", "json"}, {"results.md", "markdown"}, {"index.html", "html"}}

// Files names the files Write writes into a directory.
func Files() []string {
	names := make([]string, len(outputs))
	for i, o := range outputs {
		names[i] = o.file
	}
	return names
}

// Write writes results.json and its renderings (results.md, index.html)
// into dir, each atomically.
func Write(dir string, r *results.Results) error { return write(dir, r, outputs) }

// WriteRenderings writes results.md and index.html of r into dir.
func WriteRenderings(dir string, r *results.Results) error { return write(dir, r, outputs[1:]) }

func write(dir string, r *results.Results, files []struct{ file, format string }) error {
	for _, f := range files {
		data, err := report.Render(f.format, r)
		if err != nil {
			return err
		}
		if err := results.WriteFile(filepath.Join(dir, f.file), data); err != nil {
			return err
		}
	}
	return nil
}
