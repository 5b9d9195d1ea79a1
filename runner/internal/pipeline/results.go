package pipeline

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"

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
	mi.Filter = FilterFlags(f)
	return mi
}

// FilterFlags returns f as results.json records it: "key=value" flags,
// by key, then in the order the flags were given.
func FilterFlags(f matrix.Filter) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		for _, v := range f[k] {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// MatrixFile is how results written to the directory dir record the
// matrix file: relative to the directory that holds dir ("matrix.yaml"
// for results/ beside it), else absolute. Either way the record names
// one file wherever a command runs from, which is how a run tells the
// results of its matrix from another's (see MatrixFileOf).
func MatrixFile(file, dir string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.ToSlash(file)
	}
	parent, err := resultsParent(dir)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	rel, err := filepath.Rel(parent, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// MatrixFileOf returns the path of the matrix file that results in the
// directory dir record as recorded (see MatrixFile).
func MatrixFileOf(recorded, dir string) string {
	p := filepath.FromSlash(recorded)
	if filepath.IsAbs(p) {
		return p
	}
	parent, err := resultsParent(dir)
	if err != nil {
		return p
	}
	return filepath.Join(parent, p)
}

// resultsParent is the absolute path of the directory that holds dir.
func resultsParent(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	return filepath.Dir(abs), err
}

// MatrixCells returns every cell of r's matrix, in order, as Prepare
// expanded them before -only and -shard kept some: what results that
// r's run updates may hold.
func (r *Run) MatrixCells() ([]*matrix.Cell, error) {
	cells, err := r.Matrix.Expand(r.Cases, r.bySelector())
	return cells, inputErr(err)
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
