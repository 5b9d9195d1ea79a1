package pipeline

import (
	"maps"
	"path/filepath"
	"slices"

	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/report"
	"gomatrix/runner/internal/results"
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
	for _, c := range cases {
		rc := results.Case{Name: c.Name, Dir: filepath.ToSlash(c.Rel), Description: c.Description, CompleteOn: "exit", Go: c.Go.String()}
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

// Files are the files Write writes into a directory.
var Files = []string{"results.json", "results.md", "index.html"}

// Write writes results.json and its renderings (results.md, index.html)
// into dir, each atomically.
func Write(dir string, r *results.Results) error {
	data, err := results.Marshal(r)
	if err != nil {
		return err
	}
	if err := results.WriteFile(filepath.Join(dir, "results.json"), data); err != nil {
		return err
	}
	return WriteRenderings(dir, r)
}

// WriteRenderings writes results.md and index.html of r into dir.
func WriteRenderings(dir string, r *results.Results) error {
	for _, f := range []struct{ file, format string }{{"results.md", "markdown"}, {"index.html", "html"}} {
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
