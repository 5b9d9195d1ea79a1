package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

// shardCases are the deterministic cases of testdata/cases: each gives
// the same outcome on every run.
var shardCases = []string{"exit0", "crash", "buildfail", "nomarker", "marker"}

// writeShardMatrix writes a matrix of the deterministic cases under
// the local Go, with two GOMAXPROCS values (10 cells) and claims that
// need cells of several shards, and returns its path.
func writeShardMatrix(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var cases []string
	for _, c := range shardCases {
		abs, err := filepath.Abs(filepath.Join("testdata", "cases", c))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, fmt.Sprintf("%q", filepath.ToSlash(abs)))
	}
	path := filepath.Join(dir, "matrix.yaml")
	yaml := `versions: [local]
gomaxprocs: [1, 2]
cases: [` + strings.Join(cases, ", ") + `]
timeout: 2s
claims:
  - id: C1
    claim: a program that exits 0 completes
    cells: {case: exit0}
    expect: complete
  - id: C2
    claim: every case completes
    cells: {case: "*"}
    expect: complete
  - id: C3
    claim: with GOMAXPROCS=2 the cases fail
    cells: {gomaxprocs: 2}
    expect: fail
`
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runner runs the runner binary in dir and returns its exit status and
// output.
func execRunner(t *testing.T, bin, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache, "NO_COLOR=1", "GITHUB_ACTIONS=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return 0, out.String(), errb.String()
}

// The whole flow of the GitHub Actions workflow, on one machine: plan 3
// shards, run each in a process of its own as a job would, merge them;
// the merged results are those of a single run of the matrix: the same
// cells in the same order, the same outcomes, the same claim verdicts.
func TestShardedRunEqualsSingleRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	bin := buildRunner(t)
	matrixFile := writeShardMatrix(t)
	work := t.TempDir()

	code, planJSON, stderr := execRunner(t, bin, work, "plan", "-f", matrixFile, "-shards", "3")
	if code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	var st shard.Strategy
	if err := json.Unmarshal([]byte(planJSON), &st); err != nil || len(st.Include) != 3 {
		t.Fatalf("plan printed %q (%v)", planJSON, err)
	}

	var outs []string
	planned := 0
	for _, job := range st.Include {
		out := filepath.Join(work, "shards", job.Artifact)
		code, _, stderr := execRunner(t, bin, work, "run", "-q", "-f", matrixFile, "-shard", job.Shard, "-plan-id", job.Plan, "-o", out)
		if code != ExitOK {
			t.Fatalf("run -shard %s: exit %d\n%s", job.Shard, code, stderr)
		}
		r, err := results.Read(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Cells) != job.Cells {
			t.Errorf("shard %s ran %d cells, the plan gave it %d", job.Shard, len(r.Cells), job.Cells)
		}
		planned += job.Cells
		outs = append(outs, out)
	}
	if planned != 2*len(shardCases) {
		t.Errorf("the plan has %d cells, want %d", planned, 2*len(shardCases))
	}

	merged := filepath.Join(work, "merged")
	code, _, stderr = execRunner(t, bin, work, "merge", "-fail-on", "none", "-f", matrixFile, "-o", merged, filepath.Join(work, "shards"))
	if code != ExitOK {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	single := filepath.Join(work, "single")
	if code, _, stderr := execRunner(t, bin, work, "run", "-q", "-fail-on", "none", "-f", matrixFile, "-o", single); code != ExitOK {
		t.Fatalf("single run: exit %d\n%s", code, stderr)
	}

	got, err := shard.ReadInput(filepath.Join(merged, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := shard.ReadInput(filepath.Join(single, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.MatrixHash == "" || got.Meta.MatrixHash != want.Meta.MatrixHash || got.Meta.SourceHash == "" || got.Meta.SourceHash != want.Meta.SourceHash {
		t.Errorf("hashes: merged %q %q, single run %q %q", got.Meta.MatrixHash, got.Meta.SourceHash, want.Meta.MatrixHash, want.Meta.SourceHash)
	}
	if g, w := cellOutcomes(got.Results), cellOutcomes(want.Results); !slices.Equal(g, w) {
		t.Errorf("merged cells:\n\t%s\nsingle run:\n\t%s", strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
	if g, w := claimVerdicts(got.Results), claimVerdicts(want.Results); len(g) != 3 || !slices.Equal(g, w) {
		t.Errorf("merged claims:\n\t%s\nsingle run:\n\t%s", strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
	if !got.Results.Complete || len(got.Results.Toolchains) != len(want.Results.Toolchains) {
		t.Errorf("merged: complete %v, toolchains %v", got.Results.Complete, got.Results.Toolchains)
	}
	for _, f := range []string{"results.md", "index.html"} {
		if data, err := os.ReadFile(filepath.Join(merged, f)); err != nil || !bytes.Contains(data, []byte("nomarker")) {
			t.Errorf("merged %s: %v", f, err)
		}
	}

	// A shard job whose matrix is not the plan's refuses to run.
	code, _, stderr = execRunner(t, bin, work, "run", "-q", "-f", matrixFile, "-shard", "1/3", "-plan-id", "0123456789abcdef", "-o", filepath.Join(work, "wrong"))
	if code != ExitUsage || !strings.Contains(stderr, "not 0123456789abcdef") {
		t.Errorf("run with another plan's id: exit %d\n%s", code, stderr)
	}
	// Two shards of three: the third's cells are missing, by name.
	code, _, stderr = execRunner(t, bin, work, "merge", "-f", matrixFile, "-o", filepath.Join(work, "partial"), outs[0], outs[1])
	if code != ExitFailure || !strings.Contains(stderr, "shard 3/3 of plan "+st.Include[0].Plan) {
		t.Errorf("merge of 2 shards of 3: exit %d\n%s", code, stderr)
	}
}

// cellOutcomes lists each cell with its outcome, in order.
func cellOutcomes(r *results.Results) []string {
	var out []string
	for i := range r.Cells {
		c := &r.Cells[i]
		out = append(out, shard.ResultKey(c)+": "+c.Outcome)
	}
	return out
}

func claimVerdicts(r *results.Results) []string {
	var out []string
	for _, c := range r.Claims {
		out = append(out, c.ID+": "+c.Verdict+": "+c.Summary)
	}
	return out
}

func runShardCmd(t *testing.T, name string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = testEnv(&out, &errb).Main(context.Background(), append([]string{name}, args...))
	return code, out.String(), errb.String()
}

func TestPlanCommand(t *testing.T) {
	matrixFile := writeShardMatrix(t)
	code, stdout, stderr := runShardCmd(t, "plan", "-f", matrixFile, "-shards", "3")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var st shard.Strategy
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || len(st.Include) != 3 || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	for i, j := range st.Include {
		if j.Shard != fmt.Sprintf("%d/3", i+1) || j.Versions != "" || j.CacheKey != "none" || j.Cells == 0 || j.Plan == "" {
			t.Errorf("job %d: %+v", i, j)
		}
	}
	if !strings.Contains(stderr, "plan "+st.Include[0].Plan+" for "+runtime.GOOS+"/"+runtime.GOARCH+": 10 cells in 3 shards") {
		t.Errorf("stderr:\n%s", stderr)
	}

	// More shards than cells, on three runners: a shard per cell, a job
	// per shard and runner.
	code, stdout, stderr = runShardCmd(t, "plan", "-f", matrixFile, "-shards", "300", "-os", "ubuntu-latest, macos-latest,windows-latest")
	if code != ExitOK || !strings.Contains(stderr, "note: planning 85 shards, not 300") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || len(st.Include) != 30 || st.Include[29].OS != "windows-latest" || st.Include[29].Platform != "windows/amd64" || st.Include[29].Shard != "10/10" {
		t.Errorf("10 cells, 3 runners: %d jobs (%v)", len(st.Include), err)
	}

	code, stdout, _ = runShardCmd(t, "plan", "-f", matrixFile, "-shards", "2", "-list", "-only", "case=exit0", "-only", "case=crash")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); code != ExitOK || len(lines) != 4 || !strings.HasPrefix(lines[0], "1/2\t") {
		t.Errorf("-list: exit %d\n%s", code, stdout)
	}

	for _, args := range [][]string{
		{"-f", matrixFile, "-shards", "0"},
		{"-f", matrixFile, "extra"},
		{"-f", filepath.Join(t.TempDir(), "none.yaml")},
		{"-f", matrixFile, "-only", "case=nosuch"},
		{"-f", matrixFile, "-from", filepath.Join(t.TempDir(), "none.json")},
		{"-f", matrixFile, "-os", "self-hosted"},
		{"-f", matrixFile, "-os", "ubuntu-22.04,ubuntu-24.04"},
	} {
		if code, _, stderr := runShardCmd(t, "plan", args...); code != ExitUsage {
			t.Errorf("plan %q: exit %d, want %d\n%s", args, code, ExitUsage, stderr)
		}
	}
}

// Each platform resolves the versions from its own list of releases:
// the plan for macOS has no go1.15 (there is none for darwin/arm64), as
// the shard jobs there will find.
func TestPlanPerPlatform(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/golang.org/toolchain/@v/list" {
			http.NotFound(w, r)
			return
		}
		for _, v := range []string{"go1.15.15.linux-amd64", "go1.16.15.linux-amd64", "go1.17.13.linux-amd64", "go1.16.15.darwin-arm64", "go1.17.13.darwin-arm64", "go1.17.13.linux-arm64"} {
			fmt.Fprintf(w, "v0.0.1-%s\n", v)
		}
	}))
	defer proxy.Close()
	dir := t.TempDir()
	abs, _ := filepath.Abs(filepath.Join("testdata", "cases", "exit0"))
	matrixFile := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(matrixFile, []byte("versions: [\">=1.15\"]\ncases: [\""+filepath.ToSlash(abs)+"\"]\n"), 0o644)
	env := map[string]string{"GOPROXY": proxy.URL, "GOSUMDB": "off", "GOMATRIX_SOURCES": "proxy", "GOMATRIX_CACHE": filepath.Join(dir, "cache")}
	var out, errb bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	if code := e.Main(context.Background(), []string{"plan", "-f", matrixFile, "-shards", "8", "-os", "ubuntu-latest,macos-latest,arm-box=linux/arm64"}); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	var st shard.Strategy
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	versions := map[string][]string{}
	for _, j := range st.Include {
		versions[j.OS] = append(versions[j.OS], j.Versions)
	}
	want := map[string][]string{
		"ubuntu-latest": {"go1.15.15", "go1.16.15", "go1.17.13"},
		"arm-box":       {"go1.17.13"},
		"macos-latest":  {"go1.16.15", "go1.17.13"},
	}
	for label, w := range want {
		if !slices.Equal(versions[label], w) {
			t.Errorf("%s: shards download %q, want %q\n%s", label, versions[label], w, errb.String())
		}
	}
	if !strings.Contains(errb.String(), "for macos-latest (darwin/arm64): 2 cells in 2 shards") {
		t.Errorf("stderr:\n%s", errb.String())
	}
}

// writeShardResults writes what a run of the cells of shard s (or of
// the whole matrix, when s is nil) on host would write.
func writeShardResults(t *testing.T, path, hash string, info *shard.Info, host results.Host, cells []results.Cell) {
	t.Helper()
	out := struct {
		*results.Results
		MatrixHash string      `json:"matrix_hash"`
		Shard      *shard.Info `json:"shard,omitempty"`
	}{&results.Results{Schema: results.SchemaVersion, Runner: pipeline.Version, Complete: true, Host: host,
		Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Finished: time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC),
		Matrix: results.Matrix{File: "matrix.yaml", Versions: []string{"local"}, GOMAXPROCS: []int{1}, GODEBUG: []string{""}, GOEXPERIMENT: []string{""}},
		Cells:  cells}, hash, info}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	cell := func(name string) results.Cell {
		return results.Cell{Case: name, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, Outcome: results.Complete, Runs: 1}
	}
	keys := func(names ...string) []string {
		var out []string
		for _, n := range names {
			c := cell(n)
			out = append(out, shard.ResultKey(&c))
		}
		return out
	}
	linux := results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 4}
	windows := results.Host{GOOS: "windows", GOARCH: "amd64", CPUs: 4}
	s1 := &shard.Info{Index: 1, Count: 2, Plan: "p", Cells: keys("b", "c"), Positions: []int{1, 2}}
	s2 := &shard.Info{Index: 2, Count: 2, Plan: "p", Cells: keys("a"), Positions: []int{0}}
	writeShardResults(t, filepath.Join(dir, "linux", "results-1-of-2", "results.json"), "h1", s1, linux, []results.Cell{cell("b"), cell("c")})
	writeShardResults(t, filepath.Join(dir, "linux", "results-2-of-2", "results.json"), "h1", s2, linux, []results.Cell{cell("a")})
	writeShardResults(t, filepath.Join(dir, "windows", "results-1-of-2", "results.json"), "h1", s1, windows, []results.Cell{cell("b")})
	writeShardResults(t, filepath.Join(dir, "other", "results.json"), "h2", nil, linux, []results.Cell{cell("a")})

	// The shards of one host, found under a directory: in matrix order.
	out := filepath.Join(dir, "out")
	code, _, stderr := runShardCmd(t, "merge", "-o", out, filepath.Join(dir, "linux"))
	if code != ExitOK || !strings.Contains(stderr, "merged 2 results (2 from linux/amd64)") || !strings.Contains(stderr, "note: no matrix.yaml: claims are not evaluated") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cellOutcomes(r); !slices.Equal(got, []string{keys("a")[0] + ": complete", keys("b")[0] + ": complete", keys("c")[0] + ": complete"}) {
		t.Errorf("merged cells %q", got)
	}
	if md, err := os.ReadFile(filepath.Join(out, "results.md")); err != nil || !bytes.Contains(md, []byte("| a |")) {
		t.Errorf("results.md: %v\n%s", err, md)
	}

	// Two hosts, windows's shard 2/2 and one of its cells missing: the OS
	// is an axis, the missing is named, exit status 1.
	out2 := filepath.Join(dir, "out2")
	code, _, stderr = runShardCmd(t, "merge", "-o", out2, filepath.Join(dir, "linux"), filepath.Join(dir, "windows"))
	if code != ExitFailure {
		t.Errorf("exit %d, want %d\n%s", code, ExitFailure, stderr)
	}
	for _, want := range []string{"1 shards missing:", "shard 2/2 on windows/amd64 of plan p", "cells missing:", keys("c")[0] + " on windows/amd64 (shard 1/2)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	in, err := shard.ReadInput(filepath.Join(out2, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Meta.Hosts) != 2 || in.Results.Complete || len(in.Results.Cells) != 4 {
		t.Errorf("hosts %v, complete %v, %d cells", in.Meta.Hosts, in.Results.Complete, len(in.Results.Cells))
	}
	for _, f := range []string{"results.md", "index.html", "linux-amd64/results.json", "linux-amd64/index.html", "windows-amd64/results.md"} {
		if _, err := os.Stat(filepath.Join(out2, f)); err != nil {
			t.Errorf("multi-host merge: %v", err)
		}
	}

	// Results of another matrix: refused, nothing written.
	out3 := filepath.Join(dir, "out3")
	code, _, stderr = runShardCmd(t, "merge", "-o", out3, filepath.Join(dir, "linux"), filepath.Join(dir, "other", "results.json"))
	if code != ExitUsage || !strings.Contains(stderr, "are of different matrices") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out3); err == nil {
		t.Error("a refused merge wrote results")
	}

	for _, args := range [][]string{
		{},
		{filepath.Join(dir, "nosuch.json")},
		{t.TempDir()},
		{"-f", filepath.Join(dir, "nosuch.yaml"), filepath.Join(dir, "linux")},
	} {
		if code, _, stderr := runShardCmd(t, "merge", append([]string{"-o", filepath.Join(dir, "x")}, args...)...); code != ExitUsage {
			t.Errorf("merge %q: exit %d, want %d\n%s", args, code, ExitUsage, stderr)
		}
	}
}
