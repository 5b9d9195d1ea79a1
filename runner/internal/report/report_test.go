package report

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func TestMarkdownGolden(t *testing.T) {
	r, err := results.Read(filepath.Join("testdata", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"results.md", buf.Bytes())
}

// The published results/results.md and results/index.html, and those of
// every example under examples/, must be exactly what the committed
// results.json beside them renders to.
func TestCommittedResults(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "..", "examples", "*", "results"))
	for _, dir := range append([]string{filepath.Join("..", "..", "..", "results")}, dirs...) {
		checkCommitted(t, dir)
	}
}

func checkCommitted(t *testing.T, dir string) {
	r, err := results.Read(filepath.Join(dir, "results.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("%s: no published results yet", dir)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(filepath.Join("..", "..", ".."), dir)
	for name, render := range map[string]func(io.Writer, *results.Results) error{"results.md": Markdown, "index.html": HTML} {
		var buf bytes.Buffer
		if err := render(&buf, r); err != nil {
			t.Fatal(err)
		}
		out := filepath.ToSlash(filepath.Join(rel, name))
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v\nhint: go run ./runner report -o %s %s", err, out, filepath.ToSlash(filepath.Join(rel, "results.json")))
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s is not what %s/results.json renders to; regenerate it with\n\tgo run ./runner report -o %s %s/results.json\n%s", out, rel, out, rel, golden.Diff(t, want, buf.Bytes()))
		}
	}
}

// In results merged from several hosts the OS is an axis of the rows.
func TestMarkdownOSAxis(t *testing.T) {
	r := &results.Results{Schema: results.SchemaVersion, Matrix: results.Matrix{GOMAXPROCS: []int{1}, GODEBUG: []string{""}, GOEXPERIMENT: []string{""}}}
	for _, os := range []string{"linux/amd64", "darwin/arm64"} {
		r.Cells = append(r.Cells, results.Cell{Case: "busy", Go: "go1.26.8", GOMAXPROCS: 1, OS: os, Outcome: results.Complete, Runs: 1})
	}
	table := NewTable(r)
	if len(table.Rows) != 2 || !table.HasOS() {
		t.Fatalf("rows %+v", table.Rows)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| case | go | os |", "| busy | go1.26.8 | linux/amd64 |", "| busy | go1.26.8 | darwin/arm64 |"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("markdown lacks %q:\n%s", want, buf.String())
		}
	}
	if id := r.Cells[1].ID(); id != "busy go1.26.8 P=1 [darwin/arm64]" {
		t.Errorf("ID = %q", id)
	}
}
