package bisect

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Releases resolves the selectors from and to ("1.13", "stable",
// "1.14.2"; see toolchain.Select) to one release each, and returns every
// release from the first to the second, both included, ascending, as
// Manager.Resolve gives them: GOROOT set for those already installed,
// nothing fetched. Pre-releases are in the range only as its endpoints.
func Releases(ctx context.Context, m *toolchain.Manager, from, to string) ([]toolchain.Toolchain, error) {
	lo, err := one(ctx, m, "from", from)
	if err != nil {
		return nil, err
	}
	hi, err := one(ctx, m, "to", to)
	if err != nil {
		return nil, err
	}
	if gover.Compare(lo.Version, hi.Version) >= 0 {
		return nil, fmt.Errorf("-from %s (%s) is not older than -to %s (%s)\nhint: -from names the older release", from, lo.Version, to, hi.Version)
	}
	all, err := m.Resolve(ctx, []string{"all >=" + lo.Version + " <=" + hi.Version})
	if err != nil {
		return nil, err
	}
	out := []toolchain.Toolchain{lo}
	for _, t := range all {
		// A bound like ">=go1.20" compares minors: keep the exact range.
		if t.Error == "" && gover.Compare(t.Version, lo.Version) > 0 && gover.Compare(t.Version, hi.Version) < 0 {
			out = append(out, t)
		}
	}
	out = append(out, hi)
	slices.SortFunc(out, func(a, b toolchain.Toolchain) int { return gover.Compare(a.Version, b.Version) })
	return out, nil
}

// one resolves an endpoint selector to a single release.
func one(ctx context.Context, m *toolchain.Manager, flag, sel string) (toolchain.Toolchain, error) {
	s := strings.TrimSpace(sel)
	if s == "local" || filepath.IsAbs(s) {
		return toolchain.Toolchain{}, fmt.Errorf("-%s %s: names a toolchain, not a release\nhint: bisect searches released versions: name one (1.14.2), a minor (1.14: its newest patch), stable or oldstable", flag, sel)
	}
	tcs, err := m.Resolve(ctx, []string{s})
	if err != nil {
		return toolchain.Toolchain{}, err
	}
	if len(tcs) == 1 && tcs[0].Error != "" {
		return toolchain.Toolchain{}, fmt.Errorf("-%s: %s", flag, tcs[0].Error)
	}
	if len(tcs) != 1 {
		return toolchain.Toolchain{}, fmt.Errorf("-%s %s: picks %d releases, not one\nhint: name one release (1.14.2), a minor (1.14: its newest patch), stable or oldstable", flag, sel, len(tcs))
	}
	return tcs[0], nil
}

// A CellProber probes one cell of a case under each release it is asked
// about: it fetches the release's toolchain if it is not installed, then
// builds and runs the cell with Scheduler, exactly as `gomatrix run` would.
type CellProber struct {
	// Manager fetches toolchains.
	Manager *toolchain.Manager
	// Scheduler builds and runs the cell; its RebuildForExperiments is
	// -rebuild, its Results the result cache.
	Scheduler *scheduler.Scheduler
	// Cell is the cell to probe: everything but its Toolchain, which each
	// probe sets.
	Cell matrix.Cell
	// Toolchains are the releases Releases returned; a version not among
	// them is fetched by its version alone.
	Toolchains []toolchain.Toolchain

	mu      sync.Mutex
	fetched []string
}

// Fetched returns the versions whose toolchains this prober downloaded.
func (p *CellProber) Fetched() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.fetched)
}

// Probe fetches v's toolchain if need be, and builds and runs the cell
// with it. A toolchain that cannot be had, or a case whose go constraint
// excludes v, is a skipped step.
func (p *CellProber) Probe(ctx context.Context, v string) (Step, error) {
	start := time.Now()
	t, st, err := p.ensure(ctx, v)
	if err != nil || st.Outcome == results.Skip {
		return st, err
	}
	c := p.Cell
	c.Toolchain = t
	c.Toolchain.Selector = v
	c.Skip = matrix.SkipReason(&c)
	s := p.Scheduler
	if s.RebuildForExperiments && build.NeedsVariant(t, c.GOEXPERIMENT) && !s.Builder.HasVariant(t, c.GOEXPERIMENT) {
		st.Rebuilt = true
	}
	out, err := s.Run(ctx, []*matrix.Cell{&c})
	if err != nil {
		return st, err
	}
	if len(out) != 1 || out[0] == nil {
		return st, errors.New("probe " + v + ": the scheduler returned no result")
	}
	r := out[0]
	st.Outcome, st.Reason = r.Outcome, r.Reason
	st.Runs, st.Counts, st.Flaky = r.Runs, r.Counts, r.Flaky
	st.Inert, st.Variant, st.Reproduce, st.Cached = r.Inert, r.Variant, r.Reproduce, r.Cached
	if r.Cached {
		st.Rebuilt = false
	}
	st.WallMS = float64(time.Since(start).Microseconds()) / 1000
	return st, nil
}

// ensure returns v's toolchain, fetching it if need be. A toolchain that
// cannot be had gives a skipped step and no error; the error is ctx's.
func (p *CellProber) ensure(ctx context.Context, v string) (toolchain.Toolchain, Step, error) {
	st := Step{Version: v}
	t := p.toolchain(v)
	if t.GOROOT != "" {
		return t, st, nil
	}
	got := p.Manager.Ensure(ctx, []toolchain.Toolchain{t})[0]
	if err := ctx.Err(); err != nil {
		return t, st, err
	}
	if got.Error != "" {
		line, _, _ := strings.Cut(got.Error, "\n")
		st.Outcome, st.Reason = results.Skip, "toolchain unavailable: "+line
		return t, st, nil
	}
	st.Fetched = got.Source == toolchain.SourceProxy || got.Source == toolchain.SourceDL
	p.mu.Lock()
	defer p.mu.Unlock()
	if st.Fetched {
		p.fetched = append(p.fetched, v)
	}
	for i := range p.Toolchains {
		if p.Toolchains[i].Version == v {
			p.Toolchains[i] = got
		}
	}
	return got, st, nil
}

func (p *CellProber) toolchain(v string) toolchain.Toolchain {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.Toolchains {
		if t.Version == v {
			return t
		}
	}
	return toolchain.Toolchain{Selector: v, Version: v}
}
