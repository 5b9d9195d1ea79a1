package shard

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func TestParseSpec(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Spec
		err  string
	}{
		{in: "1/1", want: Spec{1, 1}},
		{in: "2/8", want: Spec{2, 8}},
		{in: " 256/256 ", want: Spec{256, 256}},
		{in: "0/3", err: "want 1 ≤ i ≤ N ≤ 256"},
		{in: "4/3", err: "want 1 ≤ i ≤ N ≤ 256"},
		{in: "1/257", err: "want 1 ≤ i ≤ N ≤ 256"},
		{in: "3", err: "want i/N"},
		{in: "a/b", err: "want i/N"},
		{in: "", err: "want i/N"},
	} {
		got, err := ParseSpec(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSpec(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != strings.TrimSpace(tt.in) {
			t.Errorf("ParseSpec(%q) = %v (%s), %v; want %v", tt.in, got, got, err, tt.want)
		}
	}
}

// Every cell is in exactly one shard; shards are non-empty, in matrix
// order, and there are min(N, 256, cells) of them.
func TestPlanCoversEveryCellOnce(t *testing.T) {
	m, cells := axes{versions: minors(20, 23), cases: 3, procs: []int{1, 2}, exps: []string{"", "x"}}.expand(t)
	for _, n := range []int{1, 2, 3, 5, 7, 47, 48, 49, 1000} {
		p := mustPlan(t, m, cells, Options{Shards: n})
		if want := min(n, MaxJobs, len(cells)); len(p.Shards) != want {
			t.Errorf("%d shards asked, %d cells: got %d shards, want %d", n, len(cells), len(p.Shards), want)
		}
		seen := make([]int, len(cells))
		for i, s := range p.Shards {
			if s.Spec != (Spec{i + 1, len(p.Shards)}) {
				t.Errorf("shard %d: spec %v", i, s.Spec)
			}
			if len(s.Cells) == 0 || len(s.Cells) != len(s.Positions) {
				t.Errorf("shard %s: %d cells, %d positions", s.Spec, len(s.Cells), len(s.Positions))
			}
			if !slices.IsSorted(s.Positions) {
				t.Errorf("shard %s: cells not in matrix order: %v", s.Spec, s.Positions)
			}
			for j, pos := range s.Positions {
				seen[pos]++
				if cells[pos] != s.Cells[j] {
					t.Errorf("shard %s: position %d is not its cell", s.Spec, pos)
				}
			}
		}
		for pos, n := range seen {
			if n != 1 {
				t.Errorf("%d shards: cell %s is in %d shards", len(p.Shards), CellKey(cells[pos]), n)
			}
		}
	}
}

// The plan job and a shard job plan independently: the same inputs give
// the same plan, cell for cell.
func TestPlanIsDeterministic(t *testing.T) {
	ax := axes{versions: minors(13, 26), cases: 4, procs: []int{1, 2, 4}, debugs: []string{"", "a=1"}, exps: []string{"", "x"}, rebuild: true}
	m1, cells1 := ax.expand(t)
	m2, cells2 := ax.expand(t) // expanded again, as by another process
	for _, n := range []int{1, 3, 10, 100} {
		a := mustPlan(t, m1, cells1, Options{Shards: n})
		b := mustPlan(t, m2, cells2, Options{Shards: n})
		if a.ID != b.ID || a.MatrixHash != b.MatrixHash {
			t.Fatalf("%d shards: plans %s and %s of one matrix", n, a.ID, b.ID)
		}
		for i := range a.Shards {
			if !slices.Equal(a.Shards[i].Keys(), b.Shards[i].Keys()) {
				t.Errorf("%d shards: shard %d differs", n, i+1)
			}
		}
		if c := mustPlan(t, m1, cells1, Options{Shards: n + 1}); c.ID == a.ID {
			t.Errorf("plans of %d and %d shards share ID %s", n, n+1, a.ID)
		}
	}
}

// Cells of one toolchain stay together: with as many shards as an even
// split of toolchains, each shard has its own; with more shards than
// toolchains, a shard has at most two and the downloads add up to at
// most toolchains + shards - 1. (The toolchains cost alike: from go1.20,
// each compiles std.)
func TestPlanGroupsToolchains(t *testing.T) {
	versions := minors(20, 27)
	m, cells := axes{versions: versions, cases: 5, procs: []int{1, 2}, debugs: []string{"", "a=1", "b=1"}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 4})
	for i, s := range p.Shards {
		if want := versions[2*i : 2*i+2]; !slices.Equal(s.Versions, want) {
			t.Errorf("4 shards of 8 toolchains: shard %s has %v, want %v", s.Spec, s.Versions, want)
		}
	}
	for _, n := range []int{8, 12, 16, 40, 200} {
		p := mustPlan(t, m, cells, Options{Shards: n})
		downloads := 0
		for _, s := range p.Shards {
			downloads += len(s.Versions)
			if len(s.Versions) > 2 {
				t.Errorf("%d shards: shard %s downloads %v", n, s.Spec, s.Versions)
			}
		}
		if downloads > len(versions)+n-1 {
			t.Errorf("%d shards: %d downloads in all, want at most %d", n, downloads, len(versions)+n-1)
		}
		if n == 8 || n == 16 {
			for _, s := range p.Shards {
				if len(s.Versions) != 1 {
					t.Errorf("%d shards of 8 toolchains: shard %s has %v", n, s.Spec, s.Versions)
				}
			}
		}
	}
}

// Local toolchains and GOROOT paths are not downloaded: a shard of them
// needs no cache.
func TestPlanLocalNeedsNoDownload(t *testing.T) {
	m, cells := axes{versions: []string{"go1.26.8"}, selector: "local", cases: 3}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 2})
	for _, s := range p.Shards {
		if len(s.Versions) != 0 {
			t.Errorf("shard %s of local cells downloads %v", s.Spec, s.Versions)
		}
	}
	for _, sel := range []string{"/usr/lib/go-1.22", `C:\go`, "D:/sdk/go1.22"} {
		if needsDownload(sel, "go1.22.12") {
			t.Errorf("needsDownload(%q) = true", sel)
		}
	}
	if !needsDownload("1.22", "go1.22.12") || needsDownload("1.99", "") {
		t.Error("needsDownload of a release selector")
	}
}

// A cell's runs cost core time: half the timeout each, or what a
// previous run took (a hang its whole timeout), times the cores each run
// holds.
func TestCellCost(t *testing.T) {
	c := func(procs, repeat int, version string) *matrix.Cell {
		return &matrix.Cell{Case: &matrix.Case{Name: "busy"}, Toolchain: toolchain.Toolchain{Selector: "1.22", Version: version},
			GOMAXPROCS: procs, Timeout: 10 * time.Second, Repeat: repeat}
	}
	prev := func(outcome string, ms float64, timings ...float64) *History {
		cell := resultCell(c(1, 1, "go1.22.11"), outcome)
		cell.DurationMS = ms
		for _, d := range timings {
			cell.Timings = append(cell.Timings, results.Timing{Outcome: outcome, DurationMS: d})
		}
		return NewHistory(&results.Results{Cells: []results.Cell{cell}})
	}
	timed := c(1, 1, "go1.22.11")
	timed.Timed = true
	model := &Model{Cores: 4}
	for _, tt := range []struct {
		name string
		cell *matrix.Cell
		h    *History
		want time.Duration
	}{
		{"unknown, every core", c(0, 1, "go1.22.11"), nil, 20 * time.Second},
		{"unknown, GOMAXPROCS=1 of 4 cores", c(1, 1, "go1.22.11"), nil, 5 * time.Second},
		{"unknown, GOMAXPROCS=1, timed: a core for the clock", timed, nil, 10 * time.Second},
		{"unknown, GOMAXPROCS=8 > 4 cores", c(8, 1, "go1.22.11"), nil, 20 * time.Second},
		{"unknown, 3 repeats", c(2, 3, "go1.22.11"), nil, 30 * time.Second},
		{"hung before: its timeout", c(1, 1, "go1.22.11"), prev(results.Hang, 9000), 10 * time.Second},
		{"hung before, past its timeout", c(1, 1, "go1.22.11"), prev(results.Hang, 10500), 10500 * time.Millisecond},
		{"completed in 40ms", c(1, 1, "go1.22.11"), prev(results.Complete, 40), 40 * time.Millisecond},
		{"completed in 40ms, 20ms on average", c(1, 1, "go1.22.11"), prev(results.Complete, 40, 10, 30), 20 * time.Millisecond},
		{"did not build: no runs", c(1, 1, "go1.22.11"), prev(results.BuildError, 0), 0},
		{"skipped before: unknown", c(1, 1, "go1.22.11"), prev(results.Skip, 0), 5 * time.Second},
		{"hung on the previous patch release", c(1, 2, "go1.22.12"), prev(results.Hang, 10500), 21 * time.Second},
	} {
		if got := newItem(0, tt.cell, tt.h, model, false).work; got != tt.want {
			t.Errorf("%s: cost %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Cells that hung before cost their timeout: the shards holding them get
// fewer cells.
func TestPlanBalancesHistory(t *testing.T) {
	m, cells := axes{versions: []string{"go1.26.8"}, selector: "local", cases: 8, procs: []int{1, 2, 3, 4}, timeout: 10 * time.Second}.expand(t)
	prev := &results.Results{}
	for _, c := range cells {
		rc := resultCell(c, results.Complete)
		if c.Case.Name == "case00" {
			rc.Outcome, rc.DurationMS = results.Hang, 10_000
		}
		prev.Cells = append(prev.Cells, rc)
	}
	even := mustPlan(t, m, cells, Options{Shards: 4})
	for _, s := range even.Shards {
		if len(s.Cells) != 8 {
			t.Errorf("without history, cells cost alike: shard %s has %d cells of 32", s.Spec, len(s.Cells))
		}
	}
	p := mustPlan(t, m, cells, Options{Shards: 4, History: NewHistory(prev)})
	for _, s := range p.Shards {
		hangs := 0
		for _, c := range s.Cells {
			if c.Case.Name == "case00" {
				hangs++
			}
		}
		if hangs > 0 && len(s.Cells) > 5 || s.Cells[len(s.Cells)-1].Case.Name == "case07" && len(s.Cells) < 20 {
			t.Errorf("with history: shard %s has %d cells, %d of which hung", s.Spec, len(s.Cells), hangs)
		}
	}
	if largest, mean := p.Costs(); largest > mean*3/2 {
		t.Errorf("largest shard %v, mean %v", largest, mean)
	}
}

func TestPlanShardOfOtherCount(t *testing.T) {
	m, cells := axes{versions: minors(20, 22), cases: 2}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 3})
	if _, err := p.Shard(Spec{1, 5}); err == nil || !strings.Contains(err.Error(), "plans into 3 shards, not 5") {
		t.Errorf("Shard(1/5) of 3 shards: %v", err)
	}
	if s, err := p.Shard(Spec{3, 3}); err != nil || s != p.Shards[2] {
		t.Errorf("Shard(3/3) = %v, %v", s, err)
	}
	if _, err := New(m, nil, Options{Shards: 3}); err == nil {
		t.Error("New of no cells: no error")
	}
	if _, err := New(m, cells, Options{Shards: 0}); err == nil {
		t.Error("New of 0 shards: no error")
	}
}

func TestStrategy(t *testing.T) {
	m, cells := axes{versions: minors(21, 22), cases: 2}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 2})
	st, err := NewStrategy(p.Jobs(Runner{}))
	if err != nil {
		t.Fatal(err)
	}
	data, err := st.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "\n") != 1 || !strings.HasSuffix(string(data), "\n") {
		t.Errorf("not one line: %q", data)
	}
	var back struct {
		Include []map[string]any `json:"include"`
	}
	if err := json.Unmarshal(data, &back); err != nil || len(back.Include) != 2 {
		t.Fatalf("%s: %v", data, err)
	}
	j := st.Include[0]
	if j.Shard != "1/2" || j.Plan != p.ID || j.Versions != "go1.21.5" || j.CacheKey != "go1.21.5" || j.Artifact != "results-1-of-2" || j.Cells != 2 || j.OS != "" {
		t.Errorf("job 1: %+v", j)
	}
	if _, ok := back.Include[0]["os"]; ok {
		t.Errorf("job without runners has an os: %s", data)
	}
	if !strings.HasPrefix(j.Name, "1/2 go1.21.5, 2 cells, ~") {
		t.Errorf("name %q", j.Name)
	}

	st, err = NewStrategy(slices.Concat(p.Jobs(ubuntu), p.Jobs(windows)))
	if err != nil {
		t.Fatal(err)
	}
	artifacts := map[string]bool{}
	for _, j := range st.Include {
		artifacts[j.Artifact] = true
	}
	if j := st.Include[3]; len(st.Include) != 4 || len(artifacts) != 4 || j.OS != "windows-latest" || j.Platform != "windows/amd64" || !strings.HasPrefix(j.Name, "windows-latest 2/2") {
		t.Errorf("2 shards × 2 runners: %+v", st.Include)
	}
	var many []Job
	for range 129 {
		many = append(many, p.Jobs(ubuntu)...)
	}
	if _, err := NewStrategy(many); err == nil {
		t.Errorf("%d jobs: no error", len(many))
	}

	if got := cacheKey(nil); got != "none" {
		t.Errorf("cacheKey(nil) = %q", got)
	}
	if got := cacheKey(minors(1, 30)); len(got) > 100 || !strings.HasPrefix(got, "go1.1.5..go1.30.5-") {
		t.Errorf("cacheKey of 30 versions = %q", got)
	}
}

// The hash changes with anything that changes a cell's result, and not
// with where things are installed or how a checkout ends its lines.
func TestHash(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package main\n\nfunc main() {}\n")
	build := func(edit func(m *matrix.Matrix, c *matrix.Cell)) string {
		cs := &matrix.Case{Name: "c", Dir: dir, Files: []string{"main.go"}}
		m := &matrix.Matrix{}
		c := &matrix.Cell{Case: cs, Toolchain: toolchain.Toolchain{Selector: "stable", Version: "go1.26.8", GOROOT: "/a"},
			GOMAXPROCS: 1, Timeout: time.Second, BuildTimeout: time.Minute, Repeat: 1}
		if edit != nil {
			edit(m, c)
		}
		h, err := Hash(m, []*matrix.Cell{c})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := build(nil)
	same := map[string]func(*matrix.Matrix, *matrix.Cell){
		"GOROOT":        func(m *matrix.Matrix, c *matrix.Cell) { c.Toolchain.GOROOT = `C:\hostedtoolcache\go` },
		"source":        func(m *matrix.Matrix, c *matrix.Cell) { c.Toolchain.Source = "proxy" },
		"matrix file":   func(m *matrix.Matrix, c *matrix.Cell) { m.File = "other/matrix.yaml" },
		"case location": func(m *matrix.Matrix, c *matrix.Cell) { c.Case.Rel = "elsewhere" },
	}
	for name, edit := range same {
		if build(edit) != base {
			t.Errorf("%s changes the hash", name)
		}
	}
	differ := map[string]func(*matrix.Matrix, *matrix.Cell){
		"version":      func(m *matrix.Matrix, c *matrix.Cell) { c.Toolchain.Version = "go1.26.9" },
		"gomaxprocs":   func(m *matrix.Matrix, c *matrix.Cell) { c.GOMAXPROCS = 2 },
		"godebug":      func(m *matrix.Matrix, c *matrix.Cell) { c.GODEBUG = "a=1" },
		"goexperiment": func(m *matrix.Matrix, c *matrix.Cell) { c.GOEXPERIMENT = "x" },
		"timeout":      func(m *matrix.Matrix, c *matrix.Cell) { c.Timeout = 2 * time.Second },
		"repeat":       func(m *matrix.Matrix, c *matrix.Cell) { c.Repeat = 5 },
		"env":          func(m *matrix.Matrix, c *matrix.Cell) { c.Env = []string{"X=1"} },
		"case args":    func(m *matrix.Matrix, c *matrix.Cell) { c.Case.Args = []string{"-n"} },
		"rebuild":      func(m *matrix.Matrix, c *matrix.Cell) { m.GOEXPERIMENTRebuild = true },
	}
	for name, edit := range differ {
		if build(edit) == base {
			t.Errorf("%s does not change the hash", name)
		}
	}
	write("package main\r\n\r\nfunc main() {}\r\n")
	if build(nil) != base {
		t.Error("CRLF line endings change the hash")
	}
	write("package main\n\nfunc main() { println() }\n")
	if build(nil) == base {
		t.Error("editing the case does not change the hash")
	}
	os.Remove(filepath.Join(dir, "main.go"))
	if _, err := Hash(&matrix.Matrix{}, []*matrix.Cell{{Case: &matrix.Case{Name: "c", Dir: dir, Files: []string{"main.go"}}}}); err == nil {
		t.Error("hash of a case whose file is gone: no error")
	}
}

func TestParseRunners(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string // label platform
		err  string
	}{
		{in: "", want: nil},
		{in: "ubuntu-latest, macos-latest,windows-latest", want: []string{"ubuntu-latest linux/amd64", "macos-latest darwin/arm64", "windows-latest windows/amd64"}},
		{in: "ubuntu-24.04-arm,windows-11-arm,macos-13,macos-15-xlarge", want: []string{
			"ubuntu-24.04-arm linux/arm64", "windows-11-arm windows/arm64", "macos-13 darwin/amd64", "macos-15-xlarge darwin/arm64"}},
		{in: "macos-15-large", want: []string{"macos-15-large darwin/amd64"}},
		{in: "macos-14", want: []string{"macos-14 darwin/arm64"}},
		{in: "ubuntu-22.04,ubuntu-24.04", err: `runners "ubuntu-22.04" and "ubuntu-24.04" are both linux/amd64`},
		{in: "self-hosted=linux/riscv64", want: []string{"self-hosted linux/riscv64"}},
		{in: "self-hosted", err: "its platform is unknown"},
		{in: "mine=linux", err: "want label=goos/goarch"},
		{in: "ubuntu-latest,ubuntu-latest", err: "named twice"},
		{in: "=linux/amd64", err: "empty label"},
	} {
		rs, err := ParseRunners(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRunners(%q): %v, want error %q", tt.in, err, tt.err)
			}
			continue
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.Label+" "+r.Platform())
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseRunners(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// A shard's cost overlaps its downloads with its work: the work starts
// once the first toolchain is there, and no toolchain's work before it
// is; the downloads share Lanes.
func TestShardCostOverlap(t *testing.T) {
	s := time.Second
	// tc is a toolchain's cell: its download, its work (core time).
	type tc struct {
		version  string
		download time.Duration
		work     time.Duration
		skip     bool
	}
	m := &Model{Cores: 4, Lanes: 2}
	for _, tt := range []struct {
		name string
		tcs  []tc
		a, b int
		want time.Duration
	}{
		{"one toolchain: its download, then its work", []tc{{"go1", 5 * s, 40 * s, false}}, 0, 1, 15 * s},
		{"installed: no wait", []tc{{"go1", 0, 40 * s, false}}, 0, 1, 10 * s},
		{"the second arrives while the first works", []tc{{"go1", 5 * s, 40 * s, false}, {"go2", 5 * s, 40 * s, false}}, 0, 2, 25 * s},
		{"downloads dominate: the last one's work waits", []tc{{"go1", 20 * s, 4 * s, false}, {"go2", 20 * s, 4 * s, false}, {"go3", 20 * s, 4 * s, false}}, 0, 3, 41 * s},
		{"a shard of the second alone downloads it first", []tc{{"go1", 20 * s, 4 * s, false}, {"go2", 20 * s, 4 * s, false}}, 1, 2, 21 * s},
		{"skipped cells cost nothing", []tc{{"go1", 5 * s, 40 * s, true}}, 0, 1, 0},
		{"a skipped first cell: the next one's download", []tc{{"go1", 5 * s, 0, true}, {"go2", 8 * s, 40 * s, false}}, 0, 2, 18 * s},
	} {
		var items []item
		for i, x := range tt.tcs {
			it := item{pos: i, work: x.work, skip: x.skip}
			it.needs[needDownload] = need{x.version, x.download}
			items = append(items, it)
		}
		if got := newSequence(items, m).cost(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: cost %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A shard that starts within a toolchain pays again for what it shares
// with the cells before: the download, std and the rebuild.
func TestShardCostSharedNeeds(t *testing.T) {
	m := &Model{Cores: 2, Lanes: 2}
	var items []item
	for i := range 4 {
		it := item{pos: i, work: 2 * time.Second}
		it.needs[needDownload] = need{"go1.13.15", 4 * time.Second}
		it.needs[needVariant] = need{"go1.13.15\x00x", 100 * time.Second}
		items = append(items, it)
	}
	seq := newSequence(items, m)
	whole, tail := seq.cost(0, 4), seq.cost(2, 4)
	if want := 4*time.Second + (100*time.Second+8*time.Second)/2; whole != want {
		t.Errorf("whole: %v, want %v", whole, want)
	}
	if want := 4*time.Second + (100*time.Second+4*time.Second)/2; tail != want {
		t.Errorf("the last two cells: %v, want %v (the download and rebuild again)", tail, want)
	}
}

func TestSparseMax(t *testing.T) {
	v := make([]int64, 37)
	for i := range v {
		v[i] = int64(i*7919%101) - 50
	}
	sm := newSparseMax(v)
	for a := range v {
		for b := a + 1; b <= len(v); b++ {
			if got, want := sm.max(a, b), slices.Max(v[a:b]); got != want {
				t.Fatalf("max(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// A History prices downloads, rebuilds and builds from what a previous
// run recorded of them, for the same release or another patch of its
// minor — builds only with the toolchains it downloaded, whose build
// caches were empty; the Model prices the rest. Plans use the recording
// machine's cores.
func TestHistoryCosts(t *testing.T) {
	r := &results.Results{
		Host: results.Host{CPUs: 2},
		Toolchains: []toolchain.Toolchain{
			{Version: "go1.13.15", Fetch: &toolchain.Fetch{Bytes: 100e6, MS: 4000}},
			{Version: "go1.22.12", Fetch: &toolchain.Fetch{Bytes: 70e6, MS: 3000}},
			{Version: "go1.26.8"}, // installed: its builds had a build cache
		},
		Rebuilds: []results.Rebuild{
			{Go: "go1.13.15", GOEXPERIMENT: "x", MS: 50_000},
			{Go: "go1.14.15", GOEXPERIMENT: "x", MS: 60_000, Error: "make.bash failed"},
		},
	}
	for i, bc := range []float64{12_000, 400, 400, 400} { // the first compiled std
		for _, p := range []int{1, 2} { // cells sharing one build
			for _, v := range []string{"go1.22.12", "go1.26.8"} {
				r.Cells = append(r.Cells, results.Cell{Case: fmt.Sprintf("c%d", i), Go: v, GOMAXPROCS: p, Outcome: results.Complete, BuildCPUMS: bc})
			}
		}
	}
	h := NewHistory(r)
	m := &Model{Download: 5 * time.Second, Variant: 200 * time.Second, Std: 9 * time.Second, Build: time.Second}
	s := time.Second
	for _, tt := range []struct {
		name      string
		got, want time.Duration
	}{
		{"download recorded", h.download("go1.13.15", m), 4 * s},
		{"download of another patch", h.download("go1.13.14", m), 4 * s},
		{"download unknown", h.download("go1.26.8", m), 5 * s},
		{"download free when installed", h.download("go1.13.15", &Model{}), 0},
		{"rebuild recorded: its wall time on 2 cores", h.rebuild("go1.13.15", "x", m), 100 * s},
		{"rebuild failed: unknown", h.rebuild("go1.14.15", "x", m), 200 * s},
		{"rebuild of another experiment: unknown", h.rebuild("go1.13.15", "y", m), 200 * s},
		{"std recorded", h.builds("go1.22.11", "", m).std, 11600 * time.Millisecond},
		{"each build recorded", h.builds("go1.22.12", "", m).each, 400 * time.Millisecond},
		{"std unknown", h.builds("go1.22.12", "x", m).std, 9 * s},
		{"std of a toolchain that was there: unknown", h.builds("go1.26.8", "", m).std, 9 * s},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if c := (Options{History: h}).model().Cores; c != 2 {
		t.Errorf("planning from a 2-core machine's results: %d cores", c)
	}
	if c := (Options{}).model().Cores; c != DefaultModel.Cores {
		t.Errorf("planning without results: %d cores", c)
	}
}

// docs/github-actions.md states DefaultModel's prices: it must say what
// the code does.
func TestDocsStateDefaultModel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "github-actions.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(data)), " ")
	m := DefaultModel
	for _, want := range []string{
		fmt.Sprintf("a toolchain download %v,", m.Download),
		fmt.Sprintf("std %v of a core", m.Std),
		fmt.Sprintf("a build %v;", m.Build),
		fmt.Sprintf("%v of a core (`shard.DefaultModel`", m.Variant),
		fmt.Sprintf("priced for a %d-core runner", m.Cores),
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/github-actions.md does not say %q", want)
		}
	}
}
