package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

// A recorder is a progress.Reporter that notes the calls it gets, and
// calls onDone with each finished cell.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	onDone func(c *matrix.Cell)
}

func (r *recorder) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) FetchStarted(ts []toolchain.Toolchain) { r.note("fetching") }
func (r *recorder) ToolchainFetched(t toolchain.Toolchain) {
	r.note("fetched " + t.Version)
}
func (r *recorder) RunStarted([]*matrix.Cell)             { r.note("run") }
func (r *recorder) BuildDone(build.Request, build.Result) {}
func (r *recorder) CellStarted(*matrix.Cell)              {}
func (r *recorder) Finish(*results.Results)               { r.note("finish") }
func (r *recorder) Writer() io.Writer                     { return io.Discard }
func (r *recorder) CellDone(c *matrix.Cell, res *results.Cell) {
	r.note("done " + c.Toolchain.Version + " " + res.Outcome)
	if r.onDone != nil {
		r.onDone(c)
	}
}

// index returns where the first call starting with prefix is, or -1.
func (r *recorder) index(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	return -1
}

// overlapRun prepares a matrix of one case on three releases: go1.13.15
// installed, go1.14.15 to fetch (its download stalls until released),
// go1.16.15 that the proxy refuses.
func overlapRun(t *testing.T) (*Run, *toolchaintest.Env, func()) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: []string{"go1.13.15", "go1.14.15", "go1.16.15"}, Installed: []string{"go1.13.15"}})
	env.Proxy.SetStatus(env.Proxy.ZipPath("go1.16.15"), 404)
	release := env.Proxy.Stall()
	dir := toolchaintest.Case(t, "")
	file := filepath.Join(filepath.Dir(dir), "matrix.yaml")
	yaml := "versions: [go1.13.15, go1.14.15, go1.16.15]\ngomaxprocs: [1]\ncases: [loop]\ntimeout: 5s\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	e := Env{Getenv: env.Getenv, Progress: testWriter{t}}
	r, err := Prepare(context.Background(), e, Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	return r, env, func() { once.Do(release) }
}

// The cells of an installed toolchain run while another downloads: the
// go1.13.15 cell finishes before go1.14.15 arrives. The download is
// recorded with its size and time, and in the timeline; the toolchain
// that cannot be had skips its cell and is a problem.
func TestExecuteOverlapsFetches(t *testing.T) {
	r, _, release := overlapRun(t)
	rec := &recorder{onDone: func(c *matrix.Cell) {
		if c.Toolchain.Version == "go1.13.15" {
			release()
		}
	}}
	time.AfterFunc(10*time.Second, release) // no overlap: fail, not hang
	res, err := r.Execute(context.Background(), ExecOptions{Reporter: rec})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range res.Cells {
		got[c.Go] = c.Outcome + " " + c.Reason
	}
	if !strings.HasPrefix(got["go1.13.15"], "complete") || !strings.HasPrefix(got["go1.14.15"], "complete") || !strings.HasPrefix(got["go1.16.15"], "skip toolchain unavailable: fetch go1.16.15") {
		t.Errorf("outcomes %q", got)
	}
	if d, f := rec.index("done go1.13.15"), rec.index("fetched go1.14.15"); d < 0 || f < d {
		t.Errorf("calls %v: go1.13.15's cell should finish before go1.14.15 arrives", rec.calls)
	}
	if rec.index("run") > rec.index("fetched") || rec.index("fetching") != 0 {
		t.Errorf("calls %v: want fetching, run, then the fetches", rec.calls)
	}
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "go1.16.15") {
		t.Errorf("problems %q, want go1.16.15's", r.Problems)
	}
	checkFetchRecorded(t, res, filepath.Join(r.env.CacheDir(), TimelineFile))
}

// checkFetchRecorded checks that go1.14.15's download is in the results'
// toolchains and in the timeline file.
func checkFetchRecorded(t *testing.T, res *results.Results, timeline string) {
	t.Helper()
	for _, tc := range res.Toolchains {
		if (tc.Fetch != nil) != (tc.Version == "go1.14.15") || tc.Fetch != nil && (tc.Fetch.Bytes <= 0 || tc.Fetch.MS <= 0) {
			t.Errorf("toolchain %s: Fetch %+v", tc.Version, tc.Fetch)
		}
	}
	data, err := os.ReadFile(timeline)
	if err != nil {
		t.Fatal(err)
	}
	var tl scheduler.TimelineData
	if err := json.Unmarshal(data, &tl); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, s := range tl.Spans {
		kinds[s.Kind]++
	}
	if kinds[scheduler.SpanFetch] != 1 || kinds[scheduler.SpanBuild] != 2 || kinds[scheduler.SpanRuns] < 1 {
		t.Errorf("timeline spans by kind: %v, want 1 fetch, 2 builds, runs", kinds)
	}
}

// Interrupted while a toolchain downloads, Execute returns the cells
// that finished, incomplete, with ctx's error; the interrupted download
// is no problem and its cell does not appear.
func TestExecuteInterruptedFetch(t *testing.T) {
	r, _, release := overlapRun(t)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{onDone: func(c *matrix.Cell) {
		if c.Toolchain.Version == "go1.13.15" {
			cancel()
		}
	}}
	res, err := r.Execute(ctx, ExecOptions{Reporter: rec})
	if !errors.Is(err, context.Canceled) || res == nil || res.Complete {
		t.Fatalf("Execute = %v, %v; want incomplete results and context.Canceled", res, err)
	}
	for _, c := range res.Cells {
		if c.Go == "go1.14.15" {
			t.Errorf("cell of the interrupted download: %+v", c)
		}
	}
	if len(r.Problems) > 1 {
		t.Errorf("problems %q: the interrupted download is none", r.Problems)
	}
	if rec.index("finish") != len(rec.calls)-1 {
		t.Errorf("calls %v: Finish must come last", rec.calls)
	}
}
