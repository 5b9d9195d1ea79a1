package bisect

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

// releases14 are the releases the fake proxies of these tests list.
var releases14 = strings.Fields("go1.13.15 go1.14.2 go1.14.4 go1.14.7 go1.14.15 go1.15.15 go1.16.15 go1.17.13")

// newest14 are the newest patches of releases14's minors: installed.
var newest14 = strings.Fields("go1.13.15 go1.14.15 go1.15.15 go1.16.15 go1.17.13")

// hangBefore1147 is the article's loop as fake toolchains run it: it
// blocks before go1.14.7 and prints "hi" from it on.
func hangBefore1147(v, exp string) string {
	if gover.Compare(v, "go1.14.7") < 0 {
		return toolchaintest.Hang
	}
	return toolchaintest.Complete
}

// setup returns a prober of the case in dir under fake toolchains.
func setup(t *testing.T, env *toolchaintest.Env, dir string, cell matrix.Cell, from, to string) (*CellProber, []string) {
	t.Helper()
	mgr, err := toolchain.NewManager(env.Cache, env.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := matrix.LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	cell.Case = c
	if cell.Timeout == 0 {
		cell.Timeout = 300 * time.Millisecond
	}
	cell.BuildTimeout = time.Minute
	cell.Repeat = max(cell.Repeat, 1)
	tcs, err := Releases(context.Background(), mgr, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, tc := range tcs {
		versions = append(versions, tc.Version)
	}
	p := &CellProber{
		Manager: mgr,
		Scheduler: &scheduler.Scheduler{
			Builder:  &build.Builder{CacheDir: env.Cache},
			CacheDir: env.Cache,
			Parallel: 2,
			Results:  &results.Cache{Dir: filepath.Join(env.Cache, "results")},
		},
		Cell:       cell,
		Toolchains: tcs,
	}
	return p, versions
}

// TestCellProber bisects fake toolchains through the real adapter: the
// proxy serves the patch releases, the newest patches are installed, and
// only the toolchains probed are fetched.
func TestCellProber(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: hangBefore1147})
	dir := toolchaintest.Case(t, "complete_on: {output: '^hi$'}\n")
	p, versions := setup(t, env, dir, matrix.Cell{GOMAXPROCS: 1}, "1.13", "1.17")
	if !slices.Equal(versions, releases14) {
		t.Fatalf("Releases = %v, want %v", versions, releases14)
	}
	res, err := Search(context.Background(), p, versions, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Summary(), "last hang: go1.14.4; first complete: go1.14.7"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	var probed []string
	for _, s := range res.Steps {
		probed = append(probed, s.Version)
	}
	// The endpoints, the minors 1.15 and 1.14, then 1.14's patches.
	if want := strings.Fields("go1.13.15 go1.17.13 go1.15.15 go1.14.15 go1.14.4 go1.14.7"); !slices.Equal(probed, want) {
		t.Errorf("probed %v, want %v", probed, want)
	}
	want := []string{"go1.14.4", "go1.14.7"}
	if got := p.Fetched(); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want %v", got, want)
	}
	if got := env.Fetches(); !slices.Equal(got, want) {
		t.Errorf("the proxy served %v, want %v", got, want)
	}
	for _, s := range res.Steps {
		if s.Fetched != slices.Contains(want, s.Version) {
			t.Errorf("%s: Fetched = %v", s.Version, s.Fetched)
		}
	}
	b := res.Boundary
	if b.Last.Reason != "timeout after 300ms" || b.First.Reason != `output matched "^hi$"` {
		t.Errorf("reasons %q, %q", b.Last.Reason, b.First.Reason)
	}
	for _, s := range []Step{b.Last, b.First} {
		if !strings.Contains(s.Reproduce, filepath.Join("toolchains", s.Version, "bin", "go")) || !strings.Contains(s.Reproduce, "GOMAXPROCS=1") {
			t.Errorf("%s: reproduce %q", s.Version, s.Reproduce)
		}
	}

	// Again: the toolchains are installed now and the results cached.
	p2, _ := setup(t, env, dir, matrix.Cell{GOMAXPROCS: 1}, "1.13", "1.17")
	res2, err := Search(context.Background(), p2, versions, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Fetched()) != 0 || res2.Summary() != res.Summary() {
		t.Errorf("second search: fetched %v, %s", p2.Fetched(), res2.Summary())
	}
	for _, s := range res2.Steps {
		if !s.Cached {
			t.Errorf("%s: not taken from the result cache", s.Version)
		}
	}
}

// TestCellProberExperiment: a GOEXPERIMENT that makes the compiler crash
// until go1.16.15; build-error is an outcome like any other.
func TestCellProberExperiment(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{
		Releases: releases14, Installed: releases14, Experiments: []string{"fakeexp"},
		Behave: func(v, exp string) string {
			if exp == "fakeexp" && gover.Compare(v, "go1.16.15") < 0 {
				return toolchaintest.BuildError
			}
			return toolchaintest.Complete
		},
	})
	dir := toolchaintest.Case(t, "")
	p, versions := setup(t, env, dir, matrix.Cell{GOEXPERIMENT: "fakeexp"}, "1.13", "1.17")
	res, err := Search(context.Background(), p, versions, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Summary(), "last build-error: go1.15.15; first complete: go1.16.15"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if r := res.Boundary.Last.Reason; !strings.Contains(r, "internal compiler error") {
		t.Errorf("build-error reason %q", r)
	}
	if len(p.Fetched()) != 0 {
		t.Errorf("fetched %v, with everything installed", p.Fetched())
	}
}

// TestCellProberFlaky: a step whose repeats disagree is marked flaky, with
// its counts, and decided by the majority.
func TestCellProberFlaky(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{
		Releases: releases14, Installed: releases14,
		Behave: func(v, exp string) string {
			if v == "go1.15.15" {
				return toolchaintest.Flaky // fails once, then completes
			}
			return hangBefore1147(v, exp)
		},
	})
	dir := toolchaintest.Case(t, "")
	p, versions := setup(t, env, dir, matrix.Cell{Repeat: 3}, "1.13", "1.17")
	res, err := Search(context.Background(), p, versions, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Summary(), "last hang: go1.14.4; first complete: go1.14.7"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	fl := res.Flaky()
	if len(fl) != 1 || fl[0].Version != "go1.15.15" || fl[0].Label() != "complete 2/3 (flaky)" || fl[0].Counts[results.Fail] != 1 {
		t.Errorf("flaky steps %+v", fl)
	}
}

// TestCellProberOffline: releases whose toolchains cannot be had are
// skipped; the search goes on with the others and says where it could
// not look.
func TestCellProberOffline(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: hangBefore1147, Offline: true})
	dir := toolchaintest.Case(t, "")
	p, versions := setup(t, env, dir, matrix.Cell{}, "1.13", "1.17")
	res, err := Search(context.Background(), p, versions, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "last hang: go1.13.15; first complete: go1.14.15 (go1.14.2, go1.14.4, go1.14.7 between them could not be tried)"
	if got := res.Summary(); got != want {
		t.Errorf("summary\n got %s\nwant %s", got, want)
	}
	for _, s := range res.Skipped() {
		if !strings.HasPrefix(s.Reason, "toolchain unavailable: fetch "+s.Version) {
			t.Errorf("%s: reason %q", s.Version, s.Reason)
		}
	}
}

func TestReleases(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: hangBefore1147, Offline: true})
	mgr, err := toolchain.NewManager(env.Cache, env.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		from, to string
		want     string // versions, or the start of the error
	}{
		{"1.13", "stable", strings.Join(releases14, " ")},
		{"1.14.4", "1.15", "go1.14.4 go1.14.7 go1.14.15 go1.15.15"},
		{"go1.14.2", "oldstable", "go1.14.2 go1.14.4 go1.14.7 go1.14.15 go1.15.15 go1.16.15"},
		{"1.15", "1.14", "error: -from 1.15 (go1.15.15) is not older than -to 1.14 (go1.14.15)"},
		{"1.14", "1.14.15", "error: -from 1.14 (go1.14.15) is not older"},
		{"local", "stable", "error: -from local: names a toolchain"},
		{"1.13", ">=1.14", "error: -to >=1.14: picks 4 releases, not one"},
		{"1.12", "stable", "error: -from: version 1.12: no go1.12 release"},
	} {
		tcs, err := Releases(context.Background(), mgr, tt.from, tt.to)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var vs []string
			for _, tc := range tcs {
				vs = append(vs, tc.Version)
				if slices.Contains(newest14, tc.Version) != (tc.GOROOT != "") {
					t.Errorf("%s: GOROOT %q", tc.Version, tc.GOROOT)
				}
			}
			got = strings.Join(vs, " ")
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("Releases(%q, %q) = %s\nwant %s", tt.from, tt.to, got, tt.want)
		}
	}
}

// A GroupProber asks whether every cell completes: a search over minors
// finds where the whole group starts to pass, and each probe is
// reported with the first cell that did not complete.
func TestGroupProber(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: hangBefore1147})
	dir := toolchaintest.Case(t, "complete_on: {output: '^hi$'}\n")
	cp, _ := setup(t, env, dir, matrix.Cell{GOMAXPROCS: 1}, "1.13", "1.17")
	two := cp.Cell
	two.GOMAXPROCS = 2
	var probes []results.Probe
	p := &GroupProber{CellProber: cp, Cells: []matrix.Cell{cp.Cell, two}, OnProbe: func(pr results.Probe) { probes = append(probes, pr) }}
	res, err := Search(context.Background(), p, newest14, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Boundary == nil || res.Boundary.Last.Version != "go1.13.15" || res.Boundary.First.Version != "go1.14.15" {
		t.Fatalf("boundary %+v", res.Boundary)
	}
	if res.Steps[0].Outcome != results.Fail || !strings.HasPrefix(res.Steps[0].Reason, "hang: ") {
		t.Errorf("first step %+v: want fail naming the hang", res.Steps[0])
	}
	for _, pr := range probes {
		want := results.Complete
		if pr.Go == "go1.13.15" {
			want = results.Hang
		}
		if pr.Outcome != want || pr.Cells != 2 {
			t.Errorf("probe %+v: want %s of 2 cells", pr, want)
		}
	}
}
