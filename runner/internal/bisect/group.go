package bisect

import (
	"context"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A GroupProber probes a group of cells together — every cell of a case
// (all its packages and settings) — and asks one question of each
// release: did every cell complete? Its steps are complete or fail, so a
// search finds where the case starts to pass however its failures
// change (a build error on one release, a failing test on the next); the
// first cell that did not complete is named in the step's Reason.
type GroupProber struct {
	// CellProber fetches the toolchains and holds the scheduler; its
	// Cell is unused.
	*CellProber
	// Cells are the cells to probe: everything but their Toolchain,
	// which each probe sets.
	Cells []matrix.Cell
	// OnProbe, when set, is called with each release's probe.
	OnProbe func(results.Probe)
}

// Probe builds and runs every cell with v's toolchain.
func (p *GroupProber) Probe(ctx context.Context, v string) (Step, error) {
	start := time.Now()
	t, st, err := p.ensure(ctx, v)
	if err != nil || st.Outcome == results.Skip {
		return st, err
	}
	cells := make([]*matrix.Cell, len(p.Cells))
	for i := range p.Cells {
		c := p.Cells[i]
		c.Toolchain = t
		c.Toolchain.Selector = v
		c.Skip = matrix.SkipReason(&c)
		cells[i] = &c
	}
	out, err := p.Scheduler.Run(ctx, cells)
	if err != nil {
		return st, err
	}
	pr := groupOutcome(v, cells, out)
	if p.OnProbe != nil {
		p.OnProbe(pr)
	}
	st.Outcome, st.Reason = pr.Outcome, pr.Reason
	if pr.Outcome != results.Complete && pr.Outcome != results.Skip {
		st.Outcome, st.Reason = results.Fail, pr.Outcome+": "+pr.Reason
	}
	st.WallMS = float64(time.Since(start).Microseconds()) / 1000
	return st, nil
}

// groupOutcome is the probe of release v from its cells' results: the
// first cell that did not complete decides; skipped cells (no tests, a
// go constraint) say nothing, and a group of skips is a skip.
func groupOutcome(v string, cells []*matrix.Cell, out []*results.Cell) results.Probe {
	pr := results.Probe{Go: v, Outcome: results.Skip, Cells: len(cells)}
	for i, r := range out {
		switch {
		case r == nil || r.Outcome == results.Skip:
			if r != nil && pr.Outcome == results.Skip && pr.Reason == "" {
				pr.Reason = r.Reason
			}
			continue
		case r.Outcome != results.Complete:
			pr.Outcome, pr.Reason = r.Outcome, cells[i].Case.Name+": "+r.Reason
			return pr
		}
		pr.Outcome, pr.Reason = results.Complete, ""
	}
	return pr
}
