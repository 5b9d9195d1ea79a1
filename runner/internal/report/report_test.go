package report

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gomatrix/runner/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nhint: go test ./runner/internal/report -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./runner/internal/report -update rewrites it):\n%s", name, diff(t, want, got))
	}
}

// diff returns a unified diff of want and got, using diff(1) if present.
func diff(t *testing.T, want, got []byte) string {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "want"), filepath.Join(dir, "got")
	os.WriteFile(a, want, 0o644)
	os.WriteFile(b, got, 0o644)
	out, err := exec.Command("diff", "-u", a, b).CombinedOutput()
	if len(out) == 0 && err != nil {
		return string(got)
	}
	return string(out)
}

func TestMarkdownGolden(t *testing.T) {
	r, err := results.Read(filepath.Join("testdata", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "results.md", buf.Bytes())
}

// The published results/results.md must be exactly what the committed
// results/results.json renders to.
func TestCommittedResults(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "results")
	r, err := results.Read(filepath.Join(dir, "results.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no published results yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("results/results.md is not what results/results.json renders to; regenerate it with\n\tgo run ./runner report -o results/results.md\n%s", diff(t, want, buf.Bytes()))
	}
}
