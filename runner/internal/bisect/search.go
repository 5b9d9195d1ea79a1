package bisect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Prober runs the cell under one release and says what it did.
type Prober interface {
	// Probe returns the outcome of the cell under version ("go1.14.2").
	// A version that cannot be tried at all (its toolchain cannot be had,
	// the case excludes it) is a Step with Outcome results.Skip and the
	// reason: the search goes on without it. The error is for what stops
	// the search: a cancelled ctx, a failure of the runner itself.
	Probe(ctx context.Context, version string) (Step, error)
}

// ProberFunc adapts a function to Prober.
type ProberFunc func(ctx context.Context, version string) (Step, error)

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context, version string) (Step, error) { return f(ctx, version) }

// A Step is one probe: the cell's outcome under one release.
type Step struct {
	// N numbers the probes from 1, in the order they ran.
	N int `json:"n"`
	// Version is the release probed, "go1.14.2".
	Version string `json:"version"`
	// Phase says why it was probed: "from" and "to" (the endpoints),
	// "minor" (the newest patch of a minor), "patch" (a patch of the
	// minor where the outcome changed), "linear" (every release).
	Phase string `json:"phase"`

	// Outcome is the majority outcome of the cell's runs (complete, hang,
	// fail, build-error; skip when the version could not be tried).
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// Runs is how many times the cell ran; Counts how many runs had
	// each outcome, when Runs > 1; Flaky is set when they disagreed.
	Runs   int            `json:"runs,omitempty"`
	Counts map[string]int `json:"counts,omitempty"`
	Flaky  bool           `json:"flaky,omitempty"`
	// Inert says which settings did not take effect in this cell (a
	// GOEXPERIMENT before go1.17 without -rebuild, an unknown GODEBUG).
	Inert []string `json:"inert,omitempty"`
	// Variant is set when the cell was built with a toolchain rebuilt
	// with its GOEXPERIMENT.
	Variant string `json:"variant,omitempty"`
	// Reproduce is a shell command that builds and runs the cell by hand.
	Reproduce string `json:"reproduce,omitempty"`

	// Fetched is set when this probe downloaded the toolchain; Rebuilt
	// when it rebuilt it with the GOEXPERIMENT (make.bash); Cached when
	// the result came from the result cache rather than from runs.
	Fetched bool `json:"fetched,omitempty"`
	Rebuilt bool `json:"rebuilt,omitempty"`
	Cached  bool `json:"cached,omitempty"`
	// WallMS is the probe's wall time: fetch, build and runs.
	WallMS float64 `json:"wall_ms,omitempty"`
}

// Label is the outcome with its counts: "complete", "hang 3/5 (flaky)".
func (s Step) Label() string {
	l := s.Outcome
	if s.Runs > 1 && s.Counts != nil {
		l += fmt.Sprintf(" %d/%d", s.Counts[s.Outcome], s.Runs)
	}
	if s.Flaky {
		l += " (flaky)"
	}
	return l
}

func (s Step) skipped() bool { return s.Outcome == results.Skip }

// A Mode is how the versions are searched.
type Mode int

const (
	// Bisect probes the endpoints and, if their outcomes differ, bisects
	// the minors (newest patch of each), then the patches of the minor
	// where the outcome changed: about log2 of the range.
	Bisect Mode = iota
	// LinearMinors probes the newest patch of every minor, then bisects
	// the patches of each minor where the outcome changed: every change
	// from one minor to the next is seen and located.
	LinearMinors
	// Linear probes every release.
	Linear
)

func (m Mode) String() string {
	switch m {
	case LinearMinors:
		return "linear-minors"
	case Linear:
		return "linear"
	}
	return "bisect"
}

// MarshalText makes a Mode a string in JSON.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Options configure Search.
type Options struct {
	Mode Mode
	// OnStep, when set, is called after each probe, as the search goes.
	OnStep func(Step)
}

// A Result is what a search found.
type Result struct {
	Mode Mode `json:"mode"`
	// From and To are the endpoints; Releases how many releases the
	// range holds, both included, and Minors how many minors.
	From     string `json:"from"`
	To       string `json:"to"`
	Releases int    `json:"releases"`
	Minors   int    `json:"minors"`
	// Reference is the outcome at From: the search looks for the first
	// release whose outcome differs from it.
	Reference string `json:"reference"`
	// Steps are the probes, in the order they ran.
	Steps []Step `json:"steps"`
	// Boundary is the first change from Reference: the last release with
	// it and the first one without. Nil when no probed release differs.
	Boundary *Change `json:"boundary,omitempty"`
	// Changes are all the changes seen between consecutive probed
	// releases, ascending; Boundary is the first. The others, in Bisect
	// mode, are seen between two probes but not located (Between).
	Changes []Change `json:"changes,omitempty"`
	// NonMonotone is set when an outcome comes back after another one
	// among the probed releases (complete, build-error, complete): the
	// behaviour flipped and flipped back.
	NonMonotone bool `json:"non_monotone,omitempty"`
}

// A Change is two consecutive probed releases with different outcomes.
type Change struct {
	Last  Step `json:"last"`  // the newer release with the earlier outcome
	First Step `json:"first"` // the first release with the later outcome
	// Between are the releases between Last and First that were not
	// probed, and Skipped those that could not be tried: both are empty
	// when the change is located exactly.
	Between []string `json:"between,omitempty"`
	Skipped []string `json:"skipped,omitempty"`
}

// Exact reports whether no release lies between the two sides but
// releases that were probed.
func (c Change) Exact() bool { return len(c.Between) == 0 && len(c.Skipped) == 0 }

// A Segment is a run of consecutive probed releases with one outcome.
type Segment struct {
	Outcome     string
	First, Last string // versions
	Steps       int
}

// Segments returns the probed history, ascending: each stretch of
// consecutive probed releases with the same outcome.
func (r *Result) Segments() []Segment {
	var out []Segment
	for _, s := range r.probed() {
		if n := len(out); n > 0 && out[n-1].Outcome == s.Outcome {
			out[n-1].Last = s.Version
			out[n-1].Steps++
			continue
		}
		out = append(out, Segment{Outcome: s.Outcome, First: s.Version, Last: s.Version, Steps: 1})
	}
	return out
}

// Flaky returns the steps whose runs disagreed.
func (r *Result) Flaky() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Flaky {
			out = append(out, s)
		}
	}
	return out
}

// Skipped returns the steps that could not be tried.
func (r *Result) Skipped() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.skipped() {
			out = append(out, s)
		}
	}
	return out
}

// probed returns the steps that ran, by ascending version.
func (r *Result) probed() []Step {
	var out []Step
	for _, s := range r.Steps {
		if !s.skipped() {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Step) int { return gover.Compare(a.Version, b.Version) })
	return out
}

// Minors returns the releases a search across minors probes: the first
// of versions (the -from release), then the newest release of each minor
// in versions. versions must be ascending.
func Minors(versions []string) []string {
	if len(versions) == 0 {
		return nil
	}
	out := []string{versions[0]}
	for i, v := range versions {
		if (i+1 == len(versions) || gover.Lang(versions[i+1]) != gover.Lang(v)) && v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// ErrEndpoint is the cause of the error Search returns when an endpoint
// cannot be tried: there is nothing to compare with.
var ErrEndpoint = errors.New("endpoint cannot be tried")

// Search looks for where the cell's outcome changes in versions (the
// releases from the -from release to the -to release, both included),
// asking p only about the releases it needs: see Mode. The outcome of
// versions[0] is the reference; the result's Boundary is the last release
// with it and the first without. A probe that is skipped is left out of
// the search, which goes on with its neighbours; an endpoint that is
// skipped ends it with an error wrapping ErrEndpoint. Search's error is
// otherwise p's (a cancelled ctx): the result then holds the steps so far.
func Search(ctx context.Context, p Prober, versions []string, opt Options) (*Result, error) {
	versions = slices.Clone(versions)
	slices.SortFunc(versions, gover.Compare)
	versions = slices.Compact(versions)
	if len(versions) < 2 {
		return nil, fmt.Errorf("bisect needs two releases at least, got %d", len(versions))
	}
	s := &searcher{ctx: ctx, p: p, opt: opt, versions: versions, byVersion: map[string]int{}}
	minors := Minors(versions)
	s.res = &Result{Mode: opt.Mode, From: versions[0], To: versions[len(versions)-1], Releases: len(versions), Minors: len(minors)}
	err := s.search(minors)
	s.finish()
	return s.res, err
}

type searcher struct {
	ctx       context.Context
	p         Prober
	opt       Options
	versions  []string
	res       *Result
	byVersion map[string]int // version → index in res.Steps
}

func (s *searcher) search(minors []string) error {
	from, err := s.endpoint(s.res.From, "from")
	if err != nil {
		return err
	}
	s.res.Reference = from.Outcome
	switch s.opt.Mode {
	case Linear:
		for _, v := range s.versions[1:] {
			if _, err := s.probe(v, "linear"); err != nil {
				return err
			}
		}
		return nil
	case LinearMinors:
		for _, v := range minors[1:] {
			if _, err := s.probe(v, "minor"); err != nil {
				return err
			}
		}
		// Locate each change between consecutive minors among the
		// patches between them.
		var ok []Step
		for _, v := range minors {
			if st := s.step(v); !st.skipped() {
				ok = append(ok, st)
			}
		}
		for i := 1; i < len(ok); i++ {
			if ok[i-1].Outcome != ok[i].Outcome {
				if _, _, err := s.split(s.span(ok[i-1].Version, ok[i].Version), ok[i-1].Outcome, "patch"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	to, err := s.endpoint(s.res.To, "to")
	if err != nil {
		return err
	}
	if to.Outcome == from.Outcome {
		return nil // nothing to bisect: the caller says what that cannot see
	}
	last, first, err := s.split(minors, from.Outcome, "minor")
	if err != nil {
		return err
	}
	_, _, err = s.split(s.span(last, first), from.Outcome, "patch")
	return err
}

// endpoint probes an endpoint, which must not be skipped.
func (s *searcher) endpoint(v, phase string) (Step, error) {
	st, err := s.probe(v, phase)
	if err == nil && st.skipped() {
		err = fmt.Errorf("-%s %s: %w: %s", phase, v, ErrEndpoint, st.Reason)
	}
	return st, err
}

// span returns the releases from a to b, both included.
func (s *searcher) span(a, b string) []string {
	i, _ := slices.BinarySearchFunc(s.versions, a, gover.Compare)
	j, _ := slices.BinarySearchFunc(s.versions, b, gover.Compare)
	return s.versions[i : j+1]
}

// split bisects list (ascending), whose first release has outcome ref
// and whose last has another, for the first release whose outcome is not
// ref; it returns that release and the one before it that has ref.
// Skipped releases are dropped from the list as they are met.
func (s *searcher) split(list []string, ref, phase string) (last, first string, err error) {
	list = slices.Clone(list)
	lo, hi := 0, len(list)-1
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		st, err := s.probe(list[mid], phase)
		if err != nil {
			return "", "", err
		}
		switch {
		case st.skipped():
			list = slices.Delete(list, mid, mid+1)
			hi--
		case st.Outcome == ref:
			lo = mid
		default:
			hi = mid
		}
	}
	return list[lo], list[hi], nil
}

// probe returns the step of v, probing it if it has not been.
func (s *searcher) probe(v, phase string) (Step, error) {
	if i, ok := s.byVersion[v]; ok {
		return s.res.Steps[i], nil
	}
	if err := s.ctx.Err(); err != nil {
		return Step{}, err
	}
	st, err := s.p.Probe(s.ctx, v)
	if err != nil {
		return Step{}, err
	}
	st.N, st.Version, st.Phase = len(s.res.Steps)+1, v, phase
	s.byVersion[v] = len(s.res.Steps)
	s.res.Steps = append(s.res.Steps, st)
	if s.opt.OnStep != nil {
		s.opt.OnStep(st)
	}
	return st, nil
}

func (s *searcher) step(v string) Step { return s.res.Steps[s.byVersion[v]] }

// finish derives the changes, the boundary and monotonicity from the
// steps.
func (s *searcher) finish() {
	r := s.res
	probed := r.probed()
	r.Changes = nil
	for i := 1; i < len(probed); i++ {
		a, b := probed[i-1], probed[i]
		if a.Outcome == b.Outcome {
			continue
		}
		c := Change{Last: a, First: b}
		between := s.span(a.Version, b.Version)
		for _, v := range between[1 : len(between)-1] {
			if i, done := s.byVersion[v]; !done {
				c.Between = append(c.Between, v)
			} else if r.Steps[i].skipped() {
				c.Skipped = append(c.Skipped, v)
			}
		}
		r.Changes = append(r.Changes, c)
	}
	if len(r.Changes) > 0 {
		b := r.Changes[0]
		r.Boundary = &b
	}
	seen := map[string]bool{}
	for _, seg := range r.Segments() {
		if seen[seg.Outcome] {
			r.NonMonotone = true
		}
		seen[seg.Outcome] = true
	}
}

// Summary is the boundary in a line: "last hang: go1.13.15; first
// complete: go1.14.2", or why there is none.
func (r *Result) Summary() string {
	if r.Boundary == nil {
		if len(r.Steps) == 0 {
			return "nothing probed"
		}
		return fmt.Sprintf("no change: every release probed from %s to %s gave %s", r.From, r.To, r.Reference)
	}
	b := r.Boundary
	s := fmt.Sprintf("last %s: %s; first %s: %s", b.Last.Outcome, b.Last.Version, b.First.Outcome, b.First.Version)
	if len(b.Between) > 0 {
		s += fmt.Sprintf(" (%s between them not probed)", strings.Join(b.Between, ", "))
	}
	if len(b.Skipped) > 0 {
		s += fmt.Sprintf(" (%s between them could not be tried)", strings.Join(b.Skipped, ", "))
	}
	return s
}
