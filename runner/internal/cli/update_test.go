package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// writeCaseMatrix writes dir/name, a matrix of the cases of
// testdata/cases named, under the local Go, with extra lines, and
// returns its path.
func writeCaseMatrix(t *testing.T, dir, name string, cases []string, extra string) string {
	t.Helper()
	var abs []string
	for _, c := range cases {
		p, err := filepath.Abs(filepath.Join("testdata", "cases", c))
		if err != nil {
			t.Fatal(err)
		}
		abs = append(abs, fmt.Sprintf("%q", filepath.ToSlash(p)))
	}
	path := filepath.Join(dir, name)
	yaml := "versions: [local]\ncases: [" + strings.Join(abs, ", ") + "]\ntimeout: 2s\n" + extra
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustRun runs the command line args in-process and returns its stderr,
// failing unless its exit status is want.
func mustRun(t *testing.T, want int, args ...string) string {
	t.Helper()
	code, _, stderr := runMain(t, context.Background(), args...)
	if code != want {
		t.Fatalf("%q: exit %d, want %d\n%s", args, code, want, stderr)
	}
	return stderr
}

func readResults(t *testing.T, dir string) *results.Results {
	t.Helper()
	r, err := results.Read(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cellNames lists the cells of r as "case P=n", in order.
func cellNames(r *results.Results) []string {
	var out []string
	for _, c := range r.Cells {
		out = append(out, fmt.Sprintf("%s P=%d", c.Case, c.GOMAXPROCS))
	}
	return out
}

// A run with -only updates the results of its matrix beside it: the
// cells it runs replace theirs, the others are kept, claims are evaluated
// over them all, and what the results record of the matrix — filter,
// completeness, hashes — is what a single run of the same cells records.
func TestRunUpdateOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	claim := "claims:\n  - id: C1\n    claim: exit0 completes\n    cells: {case: exit0}\n    expect: complete\n"
	m := writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0", "crash", "marker"}, "gomaxprocs: [1, 2]\n"+claim)
	out := filepath.Join(dir, "results")
	fresh := func(only ...string) *results.Results { // a single run of the same cells
		o := t.TempDir()
		args := []string{"-q", "-f", m, "-o", o}
		for _, f := range only {
			args = append(args, "-only", f)
		}
		mustRun(t, ExitOK, args...)
		return readResults(t, o)
	}

	mustRun(t, ExitOK, "-q", m, "-only", "case=exit0")
	if r := readResults(t, out); len(r.Cells) != 2 || !slices.Equal(r.Matrix.Filter, []string{"case=exit0"}) {
		t.Fatalf("first run: cells %q, filter %q", cellNames(r), r.Matrix.Filter)
	}

	// A union a filter describes: recorded as a single run of it would be.
	stderr := mustRun(t, ExitOK, "-q", m, "-only", "case=crash")
	r := readResults(t, out)
	want := fresh("case=exit0", "case=crash")
	if !slices.Equal(cellNames(r), []string{"exit0 P=1", "exit0 P=2", "crash P=1", "crash P=2"}) || !r.Complete ||
		!slices.Equal(r.Matrix.Filter, want.Matrix.Filter) || r.MatrixHash != want.MatrixHash || r.SourceHash != want.SourceHash {
		t.Errorf("union: cells %q complete %v filter %q hashes %.8s %.8s; a single run: filter %q hashes %.8s %.8s",
			cellNames(r), r.Complete, r.Matrix.Filter, r.MatrixHash, r.SourceHash, want.Matrix.Filter, want.MatrixHash, want.SourceHash)
	}
	if len(r.Claims) != 1 || r.Claims[0].Verdict != results.Holds || len(r.Claims[0].Holding) != 2 || r.Stats.Runs+r.Stats.Cached == 0 {
		t.Errorf("claims over the union: %+v", r.Claims)
	}
	if !strings.Contains(stderr, "updated "+filepath.Join(out, "results.json")+": 2 cells from this run, 2 kept from the previous results; it holds 4 cells") {
		t.Errorf("summary:\n%s", stderr)
	}

	// A union no filter describes: incomplete, and said so.
	stderr = mustRun(t, ExitOK, "-q", m, "-only", "case=marker", "-only", "gomaxprocs=1")
	r = readResults(t, out)
	if len(r.Cells) != 5 || r.Complete || r.Matrix.Filter != nil || !strings.Contains(stderr, "the results lack 1 cell of the matrix") {
		t.Errorf("cells %q, complete %v, filter %q\n%s", cellNames(r), r.Complete, r.Matrix.Filter, stderr)
	}

	// The whole matrix: as a run of it.
	mustRun(t, ExitOK, "-q", m, "-only", "case=marker")
	r, want = readResults(t, out), fresh()
	if !slices.Equal(cellNames(r), cellNames(want)) || !r.Complete || r.Matrix.Filter != nil || r.MatrixHash != want.MatrixHash || r.SourceHash != want.SourceHash {
		t.Errorf("whole: cells %q complete %v filter %q hash %.8s, want %q and %.8s", cellNames(r), r.Complete, r.Matrix.Filter, r.MatrixHash, cellNames(want), want.MatrixHash)
	}

	// The matrix edited: the cells it no longer has are dropped; those
	// kept cannot be told to be of its inputs now: no hash.
	writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0", "crash", "marker"}, "gomaxprocs: [1]\n"+claim)
	stderr = mustRun(t, ExitOK, "-q", m, "-only", "case=exit0")
	r = readResults(t, out)
	if !slices.Equal(cellNames(r), []string{"exit0 P=1", "crash P=1", "marker P=1"}) || !r.Complete || r.MatrixHash != "" ||
		!strings.Contains(stderr, "1 cells from this run, 2 kept from the previous results, 3 dropped (no longer in the matrix)") ||
		!strings.Contains(stderr, "note: the 2 kept cells may have run with other inputs") {
		t.Errorf("edited matrix: cells %q complete %v hash %q\n%s", cellNames(r), r.Complete, r.MatrixHash, stderr)
	}

	// -replace: this run's cells alone.
	mustRun(t, ExitOK, "-q", m, "-only", "case=exit0", "-replace")
	if r = readResults(t, out); !slices.Equal(cellNames(r), []string{"exit0 P=1"}) {
		t.Errorf("-replace: cells %q", cellNames(r))
	}
}

// A run never silently replaces the results of another matrix file; an
// edited matrix file, however named, is the same matrix.
func TestRunRefusesOtherMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	a := writeCaseMatrix(t, dir, "a.yaml", []string{"exit0"}, "gomaxprocs: [1]\n")
	b := writeCaseMatrix(t, dir, "b.yaml", []string{"exit0"}, "gomaxprocs: [1]\n")
	out := filepath.Join(dir, "out")
	path := filepath.Join(out, "results.json")
	mustRun(t, ExitOK, "-q", "-f", a, "-o", out)

	stderr := mustRun(t, ExitUsage, "-q", "-f", b, "-o", out)
	for _, want := range []string{path + " holds the results of matrix " + a + ", not of " + b, "hint: write these elsewhere with -o DIR, or replace those with -replace"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if r := readResults(t, out); r.Matrix.File != "a.yaml" {
		t.Errorf("the refused run changed the results: matrix %q", r.Matrix.File)
	}

	// The same file, edited, by another path.
	writeCaseMatrix(t, dir, "a.yaml", []string{"exit0"}, "gomaxprocs: [1, 2]\n")
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, a)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, ExitOK, "-q", "-f", rel, "-o", out)
	if r := readResults(t, out); len(r.Cells) != 2 {
		t.Errorf("edited matrix: %d cells", len(r.Cells))
	}

	mustRun(t, ExitOK, "-q", "-f", b, "-o", out, "-replace")
	if r := readResults(t, out); r.Matrix.File != "b.yaml" {
		t.Errorf("-replace: matrix %q", r.Matrix.File)
	}

	// Results whose matrix cannot be told are not replaced either.
	os.WriteFile(path, []byte("{not json"), 0o644)
	if stderr := mustRun(t, ExitUsage, "-q", "-f", b, "-o", out); !strings.Contains(stderr, "which matrix it is of cannot be told") {
		t.Errorf("unreadable results:\n%s", stderr)
	}
	mustRun(t, ExitOK, "-q", "-f", b, "-o", out, "-replace")

	// -only does not mix the cells of another host into these.
	r := readResults(t, out)
	r.Host.CPUs++
	data, _ := results.Marshal(r)
	os.WriteFile(path, data, 0o644)
	if stderr := mustRun(t, ExitUsage, "-q", "-f", b, "-o", out, "-only", "case=exit0"); !strings.Contains(stderr, "-only would mix their cells with this host's") {
		t.Errorf("another host:\n%s", stderr)
	}
}

// A run interrupted while it updates results writes the cells it kept
// with those it finished; so does a runner killed outright, from its
// checkpoints.
func TestRunUpdateInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	bin := buildRunner(t)
	dir := t.TempDir()
	m := writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0", "hang"}, "gomaxprocs: [1, 2, 3]\n")
	out := filepath.Join(dir, "results")
	mustRun(t, ExitOK, "-q", m, "-only", "case=exit0")

	cmd := exec.Command(bin, "-q", "-p", "1", "-rerun", m, "-only", "case=hang")
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The first hang ends after its 2s timeout, and a checkpoint is due.
	deadline := time.Now().Add(time.Minute)
	var r *results.Results
	for {
		r, _ = results.Read(filepath.Join(out, "results.json"))
		if r != nil && slices.Contains(cellNames(r), "hang P=1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	r = readResults(t, out)
	if names := cellNames(r); len(names) < 4 || !slices.Equal(names[:4], []string{"exit0 P=1", "exit0 P=2", "exit0 P=3", "hang P=1"}) || r.Complete {
		t.Errorf("after kill -9: cells %q, complete %v; want the 3 kept, the hang that finished, incomplete", names, r.Complete)
	}
	for _, c := range r.Cells {
		if c.Case == "hang" && c.Outcome != results.Hang {
			t.Errorf("%s: %s", c.ID(), c.Outcome)
		}
	}
}

// Results record their matrix file relative to the directory that holds
// theirs, so that a run from anywhere tells its matrix from another's;
// those of earlier runners, relative to where they ran, are read too.
func TestCheckMatrixFile(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"matrix.yaml", "proj/matrix.yaml", "proj/other.yaml", "proj/sub/m.yaml"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(root, f), []byte("versions: [local]\n"), 0o644)
	}
	t.Chdir(root)
	abs := func(p string) string { return filepath.Join(root, p) }
	for _, tt := range []struct{ file, dir, want string }{
		{"proj/matrix.yaml", "proj/results", "matrix.yaml"},
		{abs("proj/sub/m.yaml"), "proj/results", "sub/m.yaml"},
		{"matrix.yaml", "proj/results", filepath.ToSlash(abs("matrix.yaml"))},
		{"proj/matrix.yaml", "proj", "proj/matrix.yaml"},
	} {
		if got := pipeline.MatrixFile(tt.file, tt.dir); got != tt.want {
			t.Errorf("MatrixFile(%q, %q) = %q, want %q", tt.file, tt.dir, got, tt.want)
		}
	}
	for _, tt := range []struct {
		recorded, file string
		same           bool
	}{
		{"matrix.yaml", "proj/matrix.yaml", true},
		{"matrix.yaml", abs("proj/matrix.yaml"), true},
		{"matrix.yaml", "proj/other.yaml", false},
		{"matrix.yaml", "matrix.yaml", false},          // ./matrix.yaml is not proj's
		{"proj/matrix.yaml", "proj/matrix.yaml", true}, // an earlier runner's, from here
		{"proj/other.yaml", "proj/matrix.yaml", false},
		{filepath.ToSlash(abs("proj/matrix.yaml")), "proj/matrix.yaml", true},
		{"gone.yaml", "proj/matrix.yaml", false},
		{"", "proj/matrix.yaml", false},
	} {
		prev := &results.Results{Matrix: results.Matrix{File: tt.recorded}}
		err := checkMatrixFile(prev, "proj/results/results.json", "proj/results", tt.file)
		if (err == nil) != tt.same {
			t.Errorf("results of %q, run of %q: %v, want same %v", tt.recorded, tt.file, err, tt.same)
		}
	}
}

// The filter an update records keeps exactly its cells, or there is none.
func TestCoverFilter(t *testing.T) {
	a, b := &matrix.Case{Name: "a"}, &matrix.Case{Name: "b"}
	var all []*matrix.Cell
	for _, c := range []*matrix.Case{a, b} {
		for _, v := range []string{"go1.21.13", "go1.26.8"} {
			for p := 1; p <= 2; p++ {
				all = append(all, &matrix.Cell{Case: c, Toolchain: toolchain.Toolchain{Selector: ">=1.21", Version: v}, GOMAXPROCS: p})
			}
		}
	}
	where := func(keep func(c *matrix.Cell) bool) []bool {
		out := make([]bool, len(all))
		for i, c := range all {
			out[i] = keep(c)
		}
		return out
	}
	for _, tt := range []struct {
		name    string
		present []bool
		want    []string
		exact   bool
	}{
		{"all", where(func(*matrix.Cell) bool { return true }), nil, true},
		{"a case", where(func(c *matrix.Cell) bool { return c.Case == b }), []string{"case=b"}, true},
		{"a box", where(func(c *matrix.Cell) bool { return c.Case == a && c.GOMAXPROCS == 2 }), []string{"case=a", "gomaxprocs=2"}, true},
		{"a version", where(func(c *matrix.Cell) bool { return c.Toolchain.Version == "go1.26.8" }), []string{"version=go1.26.8"}, true},
		{"no box", where(func(c *matrix.Cell) bool { return c.Case == a || c.GOMAXPROCS == 1 }), nil, false},
		{"none", where(func(*matrix.Cell) bool { return false }), nil, false},
	} {
		f, exact := coverFilter(all, tt.present)
		if got := pipeline.FilterFlags(f); !slices.Equal(got, tt.want) || exact != tt.exact {
			t.Errorf("%s: filter %q exact %v, want %q %v", tt.name, got, exact, tt.want, tt.exact)
		}
	}
}
