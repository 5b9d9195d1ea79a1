package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// parseFailOn parses args with the flags of -fail-on alone.
func parseFailOn(args ...string) (*failOn, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	p := addFailOnFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return p, p.load()
}

func TestFailOnFlag(t *testing.T) {
	old := filepath.Join(t.TempDir(), "results.json")
	writeShardResults(t, old, "h", nil, results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2}, nil)
	for _, tt := range []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{nil, []string{"refuted", "regression"}, ""},
		{[]string{"-fail-on", "hang, fail"}, []string{"hang", "fail"}, ""},
		{[]string{"-fail-on", "hang", "-fail-on", "build-error,hang"}, []string{"hang", "build-error"}, ""},
		{[]string{"-fail-on", "none"}, nil, ""},
		{[]string{"-fail-on", "regression", "-baseline", old}, []string{"regression"}, ""},
		{[]string{"-fail-on", "none,hang"}, nil, "none goes alone"},
		{[]string{"-fail-on", "hangs"}, nil, `unknown condition "hangs" (the conditions: refuted, unstable, contradicting, hang, fail, build-error, regression, none)`},
		{[]string{"-fail-on", "regression"}, nil, "-fail-on regression: no -baseline"},
		{[]string{"-fail-on", "hang", "-baseline", old}, nil, "does not compare with it"},
		{[]string{"-baseline", filepath.Join(t.TempDir(), "none.json")}, nil, "-baseline: read results"},
	} {
		p, err := parseFailOn(tt.args...)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.args, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.args, err)
		case !slices.Equal(p.conds, tt.want):
			t.Errorf("%q: conditions %q, want %q", tt.args, p.conds, tt.want)
		}
	}
}

// failResults are results with n cells of each outcome and a claim of
// each verdict.
func failResults(n int) *results.Results {
	r := &results.Results{Complete: true}
	for _, o := range results.Outcomes {
		for i := range n {
			r.Cells = append(r.Cells, results.Cell{Case: o + "case", Selector: "local", Go: "go1.26.8", GOMAXPROCS: i + 1, Outcome: o, Runs: 1})
		}
	}
	for _, v := range []string{results.Holds, results.Refuted, results.Partly, results.Flaky, results.Unstable, results.Untested} {
		r.Claims = append(r.Claims, results.Claim{ID: "C-" + v, Verdict: v})
	}
	return r
}

func TestFailOnReasons(t *testing.T) {
	seven := failResults(7)
	sharded := failResults(1)
	sharded.Shard = &results.Shard{Index: 1, Count: 2}
	for _, tt := range []struct {
		flags string
		r     *results.Results
		want  []string
	}{
		{"none", seven, nil},
		{"refuted", seven, []string{"fail-on refuted: 2 claims: C-refuted refuted, C-partly partly"}},
		{"unstable", seven, []string{"fail-on unstable: 2 claims: C-flaky flaky, C-unstable unstable"}},
		{"hang,build-error", failResults(1), []string{
			"fail-on hang: 1 cell: hangcase go1.26.8 P=1",
			"fail-on build-error: 1 cell: build-errorcase go1.26.8 P=1",
		}},
		{"fail", seven, []string{"fail-on fail: 7 cells: failcase go1.26.8 P=1, failcase go1.26.8 P=2, failcase go1.26.8 P=3, failcase go1.26.8 P=4, failcase go1.26.8 P=5, … and 2 more"}},
		{"hang,refuted,unstable", sharded, []string{"fail-on hang: 1 cell: hangcase go1.26.8 P=1"}}, // a shard's claims are merge's
		{"", seven, []string{"fail-on refuted: 2 claims: C-refuted refuted, C-partly partly"}},      // the default; regression needs -baseline
		{"hang", &results.Results{Complete: true}, nil},
	} {
		var args []string
		if tt.flags != "" {
			args = []string{"-fail-on", tt.flags}
		}
		p, err := parseFailOn(args...)
		if err != nil {
			t.Fatal(err)
		}
		got := p.reasons(tt.r)
		if !slices.Equal(got, tt.want) {
			t.Errorf("-fail-on %s:\n%s\nwant\n%s", tt.flags, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// A run that passes the policy while cells fail says which outcomes the
// policy left uncounted.
func TestFailOnNotesUncounted(t *testing.T) {
	for _, tt := range []struct {
		flags string
		r     *results.Results
		want  string
	}{
		{"", failResults(1), "note: exit status 0: -fail-on refuted,regression does not count fail, hang, build-error cells (-fail-on fail,hang,build-error would)\n"},
		{"hang", &results.Results{Cells: []results.Cell{{Outcome: results.Fail}}}, ""}, // named by the user: theirs
		{"fail", &results.Results{Cells: []results.Cell{{Outcome: results.Complete}}}, ""},
	} {
		var args []string
		if tt.flags != "" {
			args = []string{"-fail-on", tt.flags}
		}
		p, err := parseFailOn(args...)
		if err != nil {
			t.Fatal(err)
		}
		tt.r.Claims = nil
		var w strings.Builder
		if err := p.apply(&w, tt.r); err != nil || w.String() != tt.want {
			t.Errorf("-fail-on %q: %v, printed %q, want %q", tt.flags, err, w.String(), tt.want)
		}
	}
}

// -fail-on regression counts regressions against -baseline as gomatrix
// diff does, and names them as its text does.
func TestFailOnRegression(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	host := results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2}
	c := func(name, outcome string) results.Cell {
		return results.Cell{Case: name, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, Outcome: outcome, Runs: 1}
	}
	writeShardResults(t, old, "h", nil, host, []results.Cell{c("a", results.Complete), c("b", results.Complete), c("gone", results.Fail)})
	p, err := parseFailOn("-fail-on", "regression", "-baseline", old)
	if err != nil {
		t.Fatal(err)
	}
	now := &results.Results{Complete: true, Cells: []results.Cell{c("a", results.Hang), c("b", results.Complete)}}
	got := p.reasons(now)
	want := fmt.Sprintf("fail-on regression: 2 regressions against %s: changed a go1.26.8 P=1: complete → hang, removed gone go1.26.8 P=1: was fail", old)
	if len(got) != 1 || strings.NewReplacer(" D=– E=–", "").Replace(got[0]) != want {
		t.Errorf("reasons %q, want %q", got, want)
	}
	if err := p.apply(io.Discard, now); err == nil || !strings.Contains(err.Error(), "1 condition of -fail-on regression") {
		t.Errorf("apply: %v", err)
	}
	if err := p.apply(io.Discard, &results.Results{Complete: true, Cells: []results.Cell{c("a", results.Complete), c("b", results.Complete), c("gone", results.Fail)}}); err != nil {
		t.Errorf("no regression: %v", err)
	}
	os.Remove(old)
}

// merge applies -fail-on to the merged results, after writing them, and
// writes them beside the matrix file by default.
func TestMergeFailOn(t *testing.T) {
	dir := t.TempDir()
	host := results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2}
	in := filepath.Join(dir, "shards", "results.json")
	writeShardResults(t, in, "h1", nil, host, []results.Cell{
		{Case: "a", Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, Outcome: results.Fail, Runs: 1},
		{Case: "b", Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, Outcome: results.Complete, Runs: 1},
	})
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("versions: [local]\ngomaxprocs: [1]\ncases: [a, b]\n"+
		"claims:\n  - id: C1\n    claim: every case completes\n    cells: {case: \"*\"}\n    expect: complete\n"), 0o644)
	for _, tt := range []struct {
		flags []string
		code  int
		want  string
	}{
		{nil, ExitFailure, "fail-on refuted: 1 claim: C1 partly\n"},
		{[]string{"-fail-on", "fail"}, ExitFailure, "fail-on fail: 1 cell: a go1.26.8 P=1"},
		{[]string{"-fail-on", "hang"}, ExitOK, ""},
		{[]string{"-fail-on", "nope"}, ExitUsage, `unknown condition "nope"`},
	} {
		out := filepath.Join(dir, "results")
		os.RemoveAll(out)
		stderr := mustRun(t, tt.code, append(append([]string{"merge", "-f", m}, tt.flags...), in)...)
		if !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: stderr lacks %q:\n%s", tt.flags, tt.want, stderr)
		}
		r, err := results.Read(filepath.Join(out, "results.json"))
		if tt.code == ExitUsage {
			if err == nil {
				t.Errorf("%q: a usage error wrote results", tt.flags)
			}
			continue
		}
		if err != nil || r.Matrix.File != "matrix.yaml" || len(r.Claims) != 1 {
			t.Errorf("%q: results beside the matrix: %v, file %q, claims %+v", tt.flags, err, r.Matrix.File, r.Claims)
		}
	}
}
