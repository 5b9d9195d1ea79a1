package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var diffNew = filepath.Join("..", "report", "testdata", "results-new.json")

func TestDiffRegressed(t *testing.T) {
	code, out, stderr := runCmd(t, "diff", reportFixture, diffNew)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d (regressed)\n%s%s", code, ExitFailure, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[3], "changed  busyloop go1.13.15 P=1 D=asyncpreemptoff=1: complete (flaky, 2/3) → hang  [regression]") {
		t.Errorf("the first change is not the new hang:\n%s", out)
	}
	if !strings.HasSuffix(out, "; 4 regressions\n") {
		t.Errorf("no tally of regressions:\n%s", out)
	}
}

func TestDiffMarkdown(t *testing.T) {
	out := filepath.Join(t.TempDir(), "diff.md")
	code, _, stderr := runCmd(t, "diff", "-format", "markdown", "-o", out, reportFixture, diffNew)
	if code != ExitFailure || !strings.Contains(stderr, "4 regression(s)") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "# Changes between runs") || !strings.Contains(string(data), "| C1 |") {
		t.Errorf("%v\n%s", err, data)
	}
}

func TestDiffSame(t *testing.T) {
	code, out, stderr := runCmd(t, "diff", reportFixture, reportFixture)
	if code != ExitOK || !strings.HasSuffix(out, "; no regression\n") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
	// Improvements alone do not fail: NEW → OLD turns hangs back into
	// completes, but drops a cell of NEW that was not a skip.
	code, out, _ = runCmd(t, "diff", diffNew, reportFixture)
	if code != ExitFailure || !strings.Contains(out, "removed  busyloop go1.26.9 P=1 D=asyncpreemptoff=1: was hang  [regression]") {
		t.Errorf("reverse diff: exit %d\n%s", code, out)
	}
}

func TestDiffUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{reportFixture}, "want two results.json files"},
		{[]string{"-format", "html", reportFixture, diffNew}, "hint: formats: text, markdown"},
		{[]string{reportFixture, filepath.Join(t.TempDir(), "missing.json")}, "read results"},
	} {
		code, _, stderr := runCmd(t, "diff", tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, ExitUsage, tt.want)
		}
	}
	code, stdout, stderr := runCmd(t, "diff", "-h")
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "Regressions, precisely: a regression is a cell whose outcome went from complete") {
		t.Errorf("-h: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// A diff that cannot be written is a failure (1), not a usage error (2).
func TestDiffWriteFails(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	code, _, stderr := runCmd(t, "diff", "-o", filepath.Join(notDir, "diff.txt"), reportFixture, reportFixture)
	if code != ExitFailure || !strings.HasPrefix(stderr, "gomatrix diff: ") {
		t.Errorf("exit %d, stderr %q; want %d", code, stderr, ExitFailure)
	}
}
