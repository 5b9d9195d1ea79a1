package bisect

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// proxyReleases are the releases from go1.13.15 to go1.27.4 the module
// proxy lists for linux/amd64: only some patches of each minor.
var proxyReleases = strings.Fields(`go1.13.15
go1.14.2 go1.14.4 go1.14.7 go1.14.15
go1.15.2 go1.15.3 go1.15.7 go1.15.8 go1.15.13 go1.15.15
go1.16.3 go1.16.4 go1.16.15
go1.17.1 go1.17.4 go1.17.6 go1.17.13
go1.18 go1.18.1 go1.18.2 go1.18.4 go1.18.8 go1.18.10
go1.19.2 go1.19.4 go1.19.11 go1.19.13
go1.20 go1.20.1 go1.20.2 go1.20.4 go1.20.14
go1.21.0 go1.21.6 go1.21.13
go1.22.0 go1.22.2 go1.22.5 go1.22.6 go1.22.7 go1.22.8 go1.22.9 go1.22.10 go1.22.11 go1.22.12
go1.23.0 go1.23.1 go1.23.2 go1.23.3 go1.23.4 go1.23.6 go1.23.7 go1.23.8 go1.23.9 go1.23.10 go1.23.12
go1.24.0 go1.24.1 go1.24.2 go1.24.3 go1.24.4 go1.24.5 go1.24.6 go1.24.7 go1.24.8 go1.24.9 go1.24.10 go1.24.11 go1.24.13
go1.25.0 go1.25.1 go1.25.3 go1.25.4 go1.25.5 go1.25.6 go1.25.7 go1.25.8 go1.25.9 go1.25.10 go1.25.11 go1.25.14
go1.26.0 go1.26.1 go1.26.2 go1.26.3 go1.26.4 go1.26.5 go1.26.6 go1.26.7 go1.26.8 go1.26.9 go1.26.10 go1.26.11
go1.27.0 go1.27.1 go1.27.2 go1.27.3 go1.27.4`)

// A fakeProber answers from a history and counts what it was asked: each
// probe of a new version is one toolchain fetched.
type fakeProber struct {
	history func(v string) Step
	probed  []string
	failAt  int // if > 0, the failAt-th probe returns an error (an interrupt)
}

func (f *fakeProber) Probe(ctx context.Context, v string) (Step, error) {
	if slices.Contains(f.probed, v) {
		panic("probed twice: " + v) // the search must remember its steps
	}
	f.probed = append(f.probed, v)
	if len(f.probed) == f.failAt {
		return Step{}, context.Canceled
	}
	return f.history(v), nil
}

// before returns a history whose outcome is a before version at and b from it on.
func before(at, a, b string) func(string) Step {
	return func(v string) Step {
		if gover.Compare(v, at) < 0 {
			return Step{Outcome: a}
		}
		return Step{Outcome: b}
	}
}

// byMinor returns a history given an outcome per minor ("go1.17").
func byMinor(def string, m map[string]string) func(string) Step {
	return func(v string) Step {
		if o, ok := m[gover.Lang(v)]; ok {
			return Step{Outcome: o}
		}
		return Step{Outcome: def}
	}
}

const (
	complete = results.Complete
	hang     = results.Hang
	fail     = results.Fail
	buildErr = results.BuildError
	skip     = results.Skip
)

// preemptibleloops is GOEXPERIMENT=preemptibleloops with
// GODEBUG=asyncpreemptoff=1 and GOMAXPROCS=1, toolchains before go1.17
// rebuilt with the experiment: the loop completes, except where the
// compiler crashes on the experiment (go1.17–1.18 and go1.21–1.23). It
// flips and flips back.
var preemptibleloops = byMinor(complete, map[string]string{
	"go1.17": buildErr, "go1.18": buildErr, "go1.21": buildErr, "go1.22": buildErr, "go1.23": buildErr,
})

// log2 bound of probes: the endpoints, the minors, the patches of one minor.
func bisectBound(versions []string) int {
	minors := len(Minors(versions))
	patches := 0
	for _, v := range versions {
		patches = max(patches, countLang(versions, gover.Lang(v)))
	}
	return 2 + int(math.Ceil(math.Log2(float64(minors-1)))) + int(math.Ceil(math.Log2(float64(patches))))
}

func countLang(versions []string, lang string) int {
	n := 0
	for _, v := range versions {
		if gover.Lang(v) == lang {
			n++
		}
	}
	return n
}

func TestSearch(t *testing.T) {
	all := proxyReleases
	from14 := all[slices.Index(all, "go1.14.2"):]
	tests := []struct {
		name     string
		versions []string
		mode     Mode
		history  func(string) Step
		// want
		summary     string
		probes      []string // in order; nil: not checked
		nprobes     int      // 0: not checked
		changes     int
		nonMonotone bool
		exact       bool // the boundary is located exactly
	}{
		{
			name:    "monotone flip at the first release of a minor",
			history: before("go1.14", hang, complete),
			summary: "last hang: go1.13.15; first complete: go1.14.2",
			// endpoints, then minors 1.20 1.16 1.14, then 1.14's patches.
			probes:  []string{"go1.13.15", "go1.27.4", "go1.20.14", "go1.16.15", "go1.14.15", "go1.14.4", "go1.14.2"},
			changes: 1, exact: true,
		},
		{
			name:    "flip at a patch release",
			history: before("go1.22.7", complete, fail),
			summary: "last complete: go1.22.6; first fail: go1.22.7",
			changes: 1, exact: true,
		},
		{
			name:    "flip at the newest patch of a minor",
			history: before("go1.19.13", hang, complete),
			summary: "last hang: go1.19.11; first complete: go1.19.13",
			changes: 1, exact: true,
		},
		{
			name:    "build-error as an outcome: the first version where an experiment compiles",
			history: before("go1.19", buildErr, complete),
			summary: "last build-error: go1.18.10; first complete: go1.19.2",
			changes: 1, exact: true,
		},
		{
			name:    "no flip: two probes, nothing else fetched",
			history: before("go9", complete, hang),
			summary: "no change: every release probed from go1.13.15 to go1.27.4 gave complete",
			probes:  []string{"go1.13.15", "go1.27.4"},
		},
		{
			// The history the real preemptibleloops run has: the endpoints
			// agree, so a bisection sees nothing (and says so); the
			// linear modes see every change.
			name:    "non-monotone, invisible to a bisection: the endpoints agree",
			history: preemptibleloops,
			summary: "no change: every release probed from go1.13.15 to go1.27.4 gave complete",
			nprobes: 2,
		},
		{
			name:    "non-monotone, every minor then the patches of each change",
			mode:    LinearMinors,
			history: preemptibleloops,
			summary: "last complete: go1.16.15; first build-error: go1.17.1",
			// 15 minors; then the patches between: 1.17 (3 of them: 2
			// probes), 1.19 (3: 2), 1.21 (2: 1), 1.24 (12: 3).
			nprobes: 15 + 2 + 2 + 1 + 3,
			changes: 4, nonMonotone: true, exact: true,
		},
		{
			name:    "non-monotone, every release",
			mode:    Linear,
			history: preemptibleloops,
			summary: "last complete: go1.16.15; first build-error: go1.17.1",
			nprobes: len(all),
			changes: 4, nonMonotone: true, exact: true,
		},
		{
			// The probes straddle a second change and a change back:
			// hang, complete, build-error, complete.
			name: "non-monotone where the probes see it",
			history: byMinor(complete, map[string]string{
				"go1.13": hang, "go1.20": buildErr, "go1.21": buildErr,
			}),
			summary: "last hang: go1.13.15; first complete: go1.14.2",
			changes: 3, nonMonotone: true, exact: true,
		},
		{
			// hang, then build-error, then complete: two changes, but no
			// outcome comes back.
			name: "two changes, monotone",
			history: byMinor(complete, map[string]string{
				"go1.13": hang, "go1.14": hang, "go1.15": hang, "go1.16": hang, "go1.17": buildErr, "go1.18": buildErr,
			}),
			summary: "last hang: go1.16.15; first build-error: go1.17.1",
			changes: 2, exact: true,
		},
		{
			name:     "from a patch that is not its minor's newest",
			versions: from14,
			history:  before("go1.14.7", hang, complete),
			summary:  "last hang: go1.14.4; first complete: go1.14.7",
			changes:  1, exact: true,
		},
		{
			name:     "two releases",
			versions: []string{"go1.21.13", "go1.22.0"},
			history:  before("go1.22", complete, hang),
			summary:  "last complete: go1.21.13; first hang: go1.22.0",
			probes:   []string{"go1.21.13", "go1.22.0"},
			changes:  1, exact: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			versions := tt.versions
			if versions == nil {
				versions = all
			}
			f := &fakeProber{history: tt.history}
			var seen []string
			res, err := Search(context.Background(), f, versions, Options{Mode: tt.mode, OnStep: func(s Step) { seen = append(seen, s.Version) }})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Summary(); got != tt.summary {
				t.Errorf("summary:\n got %s\nwant %s", got, tt.summary)
			}
			if tt.probes != nil && !slices.Equal(f.probed, tt.probes) {
				t.Errorf("probed %v\n   want %v", f.probed, tt.probes)
			}
			if tt.nprobes != 0 && len(f.probed) != tt.nprobes {
				t.Errorf("probed %d toolchains, want %d: %v", len(f.probed), tt.nprobes, f.probed)
			}
			if tt.mode == Bisect {
				if b := bisectBound(versions); len(f.probed) > b {
					t.Errorf("probed %d toolchains, more than the bound %d: %v", len(f.probed), b, f.probed)
				}
			}
			if !slices.Equal(seen, f.probed) {
				t.Errorf("OnStep saw %v, prober %v", seen, f.probed)
			}
			if len(res.Changes) != tt.changes {
				t.Errorf("%d changes, want %d: %+v", len(res.Changes), tt.changes, res.Segments())
			}
			if res.NonMonotone != tt.nonMonotone {
				t.Errorf("NonMonotone = %v, want %v: %+v", res.NonMonotone, tt.nonMonotone, res.Segments())
			}
			if res.Boundary != nil && res.Boundary.Exact() != tt.exact {
				t.Errorf("boundary exact = %v, want %v (between: %v)", res.Boundary.Exact(), tt.exact, res.Boundary.Between)
			}
			if res.Reference != tt.history(versions[0]).Outcome {
				t.Errorf("reference %q, want the -from outcome %q", res.Reference, tt.history(versions[0]).Outcome)
			}
			for i, s := range res.Steps {
				if s.N != i+1 || s.Phase == "" {
					t.Errorf("step %d: N=%d phase=%q", i, s.N, s.Phase)
				}
			}
			if tt.mode == LinearMinors || tt.mode == Linear {
				// Every change a linear search reports is located exactly,
				// and agrees with the history.
				for _, c := range res.Changes {
					if !c.Exact() {
						t.Errorf("change %s→%s not exact: %v", c.Last.Version, c.First.Version, c.Between)
					}
				}
			}
		})
	}
}

// TestSearchLinearMinorsFindsEveryChange checks the changes of the
// preemptibleloops history one by one.
func TestSearchLinearMinorsFindsEveryChange(t *testing.T) {
	res, err := Search(context.Background(), &fakeProber{history: preemptibleloops}, proxyReleases, Options{Mode: LinearMinors})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Changes {
		got = append(got, c.Last.Version+"→"+c.First.Version)
	}
	want := []string{"go1.16.15→go1.17.1", "go1.18.10→go1.19.2", "go1.20.14→go1.21.0", "go1.23.12→go1.24.0"}
	if !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	var segs []string
	for _, s := range res.Segments() {
		segs = append(segs, s.Outcome+" "+s.First+"–"+s.Last)
	}
	wantSegs := []string{
		"complete go1.13.15–go1.16.15", "build-error go1.17.1–go1.18.10", "complete go1.19.2–go1.20.14",
		"build-error go1.21.0–go1.23.12", "complete go1.24.0–go1.27.4",
	}
	if !slices.Equal(segs, wantSegs) {
		t.Errorf("segments\n got %q\nwant %q", segs, wantSegs)
	}
}

// TestSearchSeesSecondChange: in Bisect mode a change the probes straddle
// after the boundary is reported with the releases between not probed.
func TestSearchSeesSecondChange(t *testing.T) {
	h := byMinor(complete, map[string]string{"go1.13": hang, "go1.14": hang, "go1.15": hang, "go1.16": hang, "go1.17": buildErr, "go1.18": buildErr})
	res, err := Search(context.Background(), &fakeProber{history: h}, proxyReleases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 {
		t.Fatalf("changes %+v", res.Changes)
	}
	c := res.Changes[1]
	if c.Last.Outcome != buildErr || c.First.Outcome != complete || c.Exact() {
		t.Errorf("second change %s %s → %s %s, between %v", c.Last.Version, c.Last.Outcome, c.First.Version, c.First.Outcome, c.Between)
	}
	for _, v := range c.Between {
		if gover.Compare(v, c.Last.Version) <= 0 || gover.Compare(v, c.First.Version) >= 0 {
			t.Errorf("between %v is not between %s and %s", c.Between, c.Last.Version, c.First.Version)
		}
	}
}

func TestSearchFlaky(t *testing.T) {
	// go1.14.2 hangs on 3 runs of 5: the majority decides the step, and the
	// step is marked; the boundary rests on it.
	h := func(v string) Step {
		s := before("go1.14.4", hang, complete)(v)
		if v == "go1.14.2" {
			return Step{Outcome: hang, Runs: 5, Counts: map[string]int{hang: 3, complete: 2}, Flaky: true}
		}
		s.Runs, s.Counts = 5, map[string]int{s.Outcome: 5}
		return s
	}
	res, err := Search(context.Background(), &fakeProber{history: h}, proxyReleases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Summary(), "last hang: go1.14.2; first complete: go1.14.4"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	fl := res.Flaky()
	if len(fl) != 1 || fl[0].Version != "go1.14.2" || fl[0].Label() != "hang 3/5 (flaky)" {
		t.Errorf("flaky steps %+v", fl)
	}
	if !res.Boundary.Last.Flaky {
		t.Errorf("the boundary's last side should be the flaky step")
	}
	if l := res.Boundary.First.Label(); l != "complete 5/5" {
		t.Errorf("label %q", l)
	}
}

func TestSearchSkipsUnavailable(t *testing.T) {
	// go1.20.14 and go1.14.4 cannot be had: the search goes around them.
	h := func(v string) Step {
		if v == "go1.20.14" || v == "go1.14.4" {
			return Step{Outcome: skip, Reason: "toolchain unavailable: fetch " + v + ": 404"}
		}
		return before("go1.14.4", hang, complete)(v)
	}
	f := &fakeProber{history: h}
	res, err := Search(context.Background(), f, proxyReleases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// go1.14.4 would be the first complete; with it unknown, the change
	// is between go1.14.2 and go1.14.7, and the boundary says so.
	want := "last hang: go1.14.2; first complete: go1.14.7 (go1.14.4 between them could not be tried)"
	if got := res.Summary(); got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if sk := res.Skipped(); len(sk) != 2 {
		t.Errorf("skipped %+v", sk)
	}
	if b := res.Boundary; b.Exact() || len(b.Between) != 0 || !slices.Equal(b.Skipped, []string{"go1.14.4"}) {
		t.Errorf("boundary between %v, skipped %v", b.Between, b.Skipped)
	}
}

func TestSearchEndpointUnavailable(t *testing.T) {
	for _, v := range []string{"go1.13.15", "go1.27.4"} {
		h := func(x string) Step {
			if x == v {
				return Step{Outcome: skip, Reason: "toolchain unavailable"}
			}
			return Step{Outcome: complete}
		}
		_, err := Search(context.Background(), &fakeProber{history: h}, proxyReleases, Options{})
		if !errors.Is(err, ErrEndpoint) || !strings.Contains(err.Error(), v) {
			t.Errorf("%s unavailable: err = %v, want ErrEndpoint naming it", v, err)
		}
	}
}

func TestSearchInterrupted(t *testing.T) {
	f := &fakeProber{history: before("go1.14", hang, complete), failAt: 4}
	res, err := Search(context.Background(), f, proxyReleases, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(res.Steps) != 3 {
		t.Errorf("%d steps kept, want the 3 before the interrupt", len(res.Steps))
	}
}

func TestSearchTooFew(t *testing.T) {
	if _, err := Search(context.Background(), &fakeProber{}, []string{"go1.22.0"}, Options{}); err == nil {
		t.Error("one release: want an error")
	}
}

func TestMinors(t *testing.T) {
	got := Minors(strings.Fields("go1.14.2 go1.14.4 go1.14.15 go1.15.2 go1.15.15 go1.16.3"))
	want := strings.Fields("go1.14.2 go1.14.15 go1.15.15 go1.16.3")
	if !slices.Equal(got, want) {
		t.Errorf("Minors = %v, want %v", got, want)
	}
	if got := Minors(proxyReleases); len(got) != 15 || got[0] != "go1.13.15" || got[14] != "go1.27.4" {
		t.Errorf("Minors(proxy) = %v", got)
	}
}
