package shard

import (
	"fmt"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// axes describe a test matrix; its cases have no files.
type axes struct {
	versions []string // resolved versions, all from one selector (or "local" alone)
	selector string   // default ">=1.13"
	cases    int
	procs    []int
	debugs   []string
	exps     []string
	timeout  time.Duration
	repeat   int
	rebuild  bool
}

func (a axes) expand(t testing.TB) (*matrix.Matrix, []*matrix.Cell) {
	t.Helper()
	sel := a.selector
	if sel == "" {
		sel = ">=1.13"
	}
	m := &matrix.Matrix{
		Versions: []string{sel}, GOMAXPROCS: orInts(a.procs), GODEBUG: orStrs(a.debugs), GOEXPERIMENT: orStrs(a.exps),
		Timeout: a.timeout, BuildTimeout: time.Minute, Repeat: max(a.repeat, 1), GOEXPERIMENTRebuild: a.rebuild,
	}
	if m.Timeout == 0 {
		m.Timeout = time.Second
	}
	var cases []*matrix.Case
	for i := range max(a.cases, 1) {
		cases = append(cases, &matrix.Case{Name: fmt.Sprintf("case%02d", i)})
	}
	var tcs []toolchain.Toolchain
	for _, v := range a.versions {
		tcs = append(tcs, toolchain.Toolchain{Selector: sel, Version: v})
	}
	cells, err := m.Expand(cases, map[string][]toolchain.Toolchain{sel: tcs})
	if err != nil {
		t.Fatal(err)
	}
	return m, cells
}

func orInts(v []int) []int {
	if len(v) == 0 {
		return []int{0}
	}
	return v
}

func orStrs(v []string) []string {
	if len(v) == 0 {
		return []string{""}
	}
	return v
}

// minors returns the newest patch of go1.<from> … go1.<to>, as fake versions.
func minors(from, to int) []string {
	var out []string
	for v := from; v <= to; v++ {
		out = append(out, fmt.Sprintf("go1.%d.5", v))
	}
	return out
}

func mustPlan(t testing.TB, m *matrix.Matrix, cells []*matrix.Cell, opt Options) *Plan {
	t.Helper()
	p, err := New(m, cells, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// resultCell is what a run would record of c, with the given outcome.
func resultCell(c *matrix.Cell, outcome string) results.Cell {
	return results.Cell{
		Case: c.Case.Name, Selector: c.Toolchain.Selector, Go: c.Toolchain.Version,
		GOMAXPROCS: c.GOMAXPROCS, GODEBUG: c.GODEBUG, GOEXPERIMENT: c.GOEXPERIMENT,
		Outcome: outcome, Runs: c.Repeat, DurationMS: 12, TimeoutMS: c.Timeout.Milliseconds(),
	}
}

// outcomeOf is a deterministic outcome for a cell, as a deterministic
// case would give.
func outcomeOf(c *matrix.Cell) string {
	return results.Outcomes[(len(c.Case.Name)+c.GOMAXPROCS+len(c.GODEBUG)+len(c.GOEXPERIMENT))%4]
}

// testSource is the source hash of the test inputs: they are all of one
// matrix as written unless a test says otherwise.
const testSource = "source"

var linux = results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 4}

var (
	ubuntu  = Runner{"ubuntu-latest", "linux", "amd64"}
	macos   = Runner{"macos-latest", "darwin", "arm64"}
	windows = Runner{"windows-latest", "windows", "amd64"}
)

// shardRun is the Input a run of shard s of p on host would give.
func shardRun(p *Plan, s *Shard, host results.Host) *Input {
	r := &results.Results{Schema: results.SchemaVersion, Runner: "test", Complete: true, Host: host,
		Started:  time.Date(2026, 1, 1, 0, s.Spec.Index, 0, 0, time.UTC),
		Finished: time.Date(2026, 1, 1, 1, s.Spec.Index, 0, 0, time.UTC),
		Stats:    results.Stats{WallMS: float64(s.Spec.Index), Runs: len(s.Cells)}}
	for _, c := range s.Cells {
		r.Cells = append(r.Cells, resultCell(c, outcomeOf(c)))
	}
	return &Input{Name: fmt.Sprintf("%s/results-%d-of-%d.json", HostName(host), s.Spec.Index, s.Spec.Count), Results: r,
		Meta: Meta{MatrixHash: p.MatrixHash, SourceHash: testSource, Shard: NewInfo(p, s)}}
}

// wholeRun is the results of running every cell on one machine.
func wholeRun(hash string, cells []*matrix.Cell, host results.Host) *Input {
	r := &results.Results{Schema: results.SchemaVersion, Runner: "test", Complete: true, Host: host}
	for _, c := range cells {
		r.Cells = append(r.Cells, resultCell(c, outcomeOf(c)))
	}
	return &Input{Name: HostName(host) + "/results.json", Results: r, Meta: Meta{MatrixHash: hash, SourceHash: testSource}}
}

func shardRuns(p *Plan, host results.Host) []*Input {
	var in []*Input
	for _, s := range p.Shards {
		in = append(in, shardRun(p, s, host))
	}
	return in
}

func keysOf(cells []results.Cell) []string {
	var out []string
	for i := range cells {
		out = append(out, ResultKey(&cells[i])+" "+cells[i].Outcome)
	}
	return out
}
