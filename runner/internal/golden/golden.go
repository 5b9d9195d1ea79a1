// Package golden compares test output with golden files, which the
// -update flag of the test binary rewrites.
package golden

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Update rewrites golden files instead of comparing with them:
// go test ./runner/internal/report -update.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Check compares got with the file at path, or writes it with -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nhint: run the test with -update to write it", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-update rewrites it):\n%s", path, Diff(t, want, got))
	}
}

// Diff returns a unified diff of want and got (diff -u when there is
// one, else got itself).
func Diff(t testing.TB, want, got []byte) string {
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
