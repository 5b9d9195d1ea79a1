package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// writeExplainResults writes a results.json of cells into a new
// directory and returns the directory.
func writeExplainResults(t *testing.T, cells ...results.Cell) string {
	t.Helper()
	dir := t.TempDir()
	data, err := results.Marshal(&results.Results{Schema: results.SchemaVersion, Complete: true, Cells: cells})
	if err != nil {
		t.Fatal(err)
	}
	if err := results.WriteFile(filepath.Join(dir, "results.json"), data); err != nil {
		t.Fatal(err)
	}
	return dir
}

func explainCell(name, v, godebug, lineAxis, outcome string) results.Cell {
	return results.Cell{Case: name, Selector: "local", Go: v, GODEBUG: godebug, GoLineAxis: lineAxis, GoLine: lineAxis, Outcome: outcome}
}

// Explain refuses, before it reads the matrix or fetches anything, what
// it cannot do; every refusal is a usage error with a hint.
func TestExplainRefusals(t *testing.T) {
	old := writeExplainResults(t,
		explainCell("lv", "go1.21.13", "", "1.21", results.Fail),
		explainCell("lv", "go1.21.13", "", "1.22", results.Complete),
		explainCell("rs", "go1.20.14", "", "", results.Fail),
		explainCell("rs", "go1.20.14", "x509sha1=1", "", results.Complete),
		explainCell("same", "go1.26.8", "", "", results.Complete),
		explainCell("same", "go1.26.8", "x509sha1=1", "", results.Complete),
	)
	noMatrix := filepath.Join(t.TempDir(), "none.yaml") // never read
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-results", old, "lv go1.21.13 P=– D=– E=– L=1.22"}, "explain -compile loopvar needs go1.22 or later, and the cell's toolchain is go1.21.13"},
		{[]string{"-results", old, "lv", "go1.21.13", "P=", "D=", "E=", "L=1.21"}, "needs go1.22 or later"},
		{[]string{"-results", old, "rs go1.20.14 P=- D=- E=-"}, "explain -godebug needs go1.21 or later, and the cell's toolchain is go1.20.14"},
		{[]string{"-results", old, "lv go1.21.13 P=– D=– E=– L="}, `names 2 cells`},
		{[]string{"-results", old, "lv go1.26.8"}, "no cell \"lv go1.26.8\" in the results"},
		{[]string{"-results", old, "same go1.26.8 P= D= E="}, "no cell that differs from it only in GODEBUG or in the go line has another outcome"},
		{[]string{"-results", t.TempDir(), "lv"}, "run the matrix first"},
		{[]string{"-results", old}, "no cell"},
		{[]string{"-results", old, "-godebug", "a=1", "-compile", "loopvar", "lv"}, "one change at a time"},
		{[]string{"-results", old, "-godebug", "panicnil", "lv"}, "want name=value"},
		{[]string{"-probe", "a", "b"}, "-probe takes one spec file"},
	} {
		args := append([]string{"explain", "-f", noMatrix}, tc.args...)
		if tc.args[0] == "-probe" {
			args = append([]string{"explain"}, tc.args...)
		}
		code, stdout, stderr := runMain(t, context.Background(), args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "hint: ") && !strings.Contains(tc.want, "one change") {
			t.Errorf("explain %q: exit %d, stderr:\n%s\nwant exit 2 and %q\nstdout: %s", tc.args, code, stderr, tc.want, stdout)
		}
	}
}

// 'gomatrix help explain' prints the usage.
func TestExplainHelp(t *testing.T) {
	code, stdout, _ := runMain(t, context.Background(), "help", "explain")
	if code != ExitOK || !strings.Contains(stdout, "usage: gomatrix explain") || !strings.Contains(stdout, "-compile loopvar") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

// TestExplainIntegration runs the real thing on the local toolchain: the
// fixtures' matrix, then explain on a go-line flip (a loop variable
// whose address each iteration keeps) and on a GODEBUG flip (rand.Seed
// under randseednop=0), each of which must name the exact line; and
// panicnil, which the runtime reads itself, refused. It installs bisect
// (the module proxy, or the module cache) and takes about half a minute,
// so it runs only with GOMATRIX_EXPLAIN=1 or GOMATRIX_INTEGRATION=1.
func TestExplainIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and bisects real programs")
	}
	if os.Getenv("GOMATRIX_EXPLAIN") != "1" && os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_EXPLAIN=1 to install golang.org/x/tools/cmd/bisect and bisect the fixtures (about half a minute)")
	}
	self := buildRunner(t)
	defer func(f func() (string, error)) { explainSelf = f }(explainSelf)
	explainSelf = func() (string, error) { return self, nil }
	m := filepath.Join("testdata", "explain", "matrix.yaml")
	out := t.TempDir()
	if code, _, stderr := runMain(t, context.Background(), "-q", "-f", m, "-o", out, "-rerun"); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	v := goVersion(t)
	for _, tc := range []struct {
		args []string
		want string // a line of stdout, as a regexp
	}{
		{[]string{"loopvar " + v + " P=– D=– E=– L=1.22"}, `(?m)^testdata/explain/loopvar/main\.go:13:6: loop variable i now per-iteration$`},
		{[]string{"-compile", "loopvar", "loopvar " + v + " P=– D=– E=– L=1.21"}, `(?m)^testdata/explain/loopvar/main\.go:13:6: loop variable i now per-iteration$`},
		{[]string{"randseed " + v + " P= D= E="}, `(?m)^testdata/explain/randseed/main\.go:12: main\.main calls math/rand\.Seed$`},
	} {
		start := time.Now()
		code, stdout, stderr := runMain(t, context.Background(), append([]string{"explain", "-f", m, "-results", out}, tc.args...)...)
		t.Logf("explain %q: %.1fs\n%s", tc.args, time.Since(start).Seconds(), stdout)
		if code != ExitOK || !regexp.MustCompile(tc.want).MatchString(stdout) {
			t.Errorf("explain %q: exit %d, want a line %s\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.want, stdout, stderr)
		}
	}
	code, _, stderr := runMain(t, context.Background(), "explain", "-f", m, "-results", out, "panicnil "+v+" P=– D=– E=–")
	if code != ExitUsage || !strings.Contains(stderr, "GODEBUG panicnil is read by the runtime itself") {
		t.Errorf("panicnil: exit %d\n%s", code, stderr)
	}
}
