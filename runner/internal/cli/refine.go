package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/bisect"
	"github.com/gomatrix/gomatrix/runner/internal/compat"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// locateMinimums locates each observed minimum Go that the matrix left a
// gap below — minors between the last failing and the first passing
// toolchain that no cell tried — by bisecting those minors (the newest
// patch of each) with every cell of the case, and records the probes in
// res, whose minimums are then computed again.
func locateMinimums(ctx context.Context, e *Env, w io.Writer, r *pipeline.Run, res *results.Results, par int) error {
	gaps := gapped(res.Minimums)
	if len(gaps) == 0 {
		return nil
	}
	sched := e.pipeline(w).NewScheduler(pipeline.SchedulerOptions{Parallel: par, MatrixDir: r.Matrix.Dir})
	sched.RebuildForExperiments = r.Matrix.GOEXPERIMENTRebuild
	var err error
	for _, m := range gaps {
		cp := &bisect.CellProber{Manager: r.Manager, Scheduler: sched, Toolchains: slices.Clone(r.Toolchains)}
		var probes []results.Probe
		probes, err = bisectMinimum(ctx, w, r, cp, m)
		res.Probes = append(slices.DeleteFunc(res.Probes, func(p results.Probe) bool { return p.Case == m.Case }), probes...)
		if err != nil {
			break
		}
	}
	res.Minimums = compat.Minimums(res)
	return err
}

// gapped returns the minimums with untried minors below them.
func gapped(ms []results.Minimum) []results.Minimum {
	var out []results.Minimum
	for _, m := range ms {
		if len(m.Untried) > 0 && m.Observed != "" && m.Failing != "" {
			out = append(out, m)
		}
	}
	return out
}

// bisectMinimum searches the minors between m.Failing and m.Observed
// with the case's cells, printing each step, and returns the probes of
// releases the matrix did not hold (its endpoints are cells already).
func bisectMinimum(ctx context.Context, w io.Writer, r *pipeline.Run, cp *bisect.CellProber, m results.Minimum) ([]results.Probe, error) {
	versions := []string{m.Failing}
	for _, lang := range m.Untried {
		t, err := newestOf(ctx, r.Manager, lang)
		if err != nil {
			fmt.Fprintf(w, "minimum go of %s: go%s left out: %v\n", m.Case, lang, err)
			continue
		}
		cp.Toolchains = append(cp.Toolchains, t)
		versions = append(versions, t.Version)
	}
	versions = append(versions, m.Observed)
	var probes []results.Probe
	p := &bisect.GroupProber{CellProber: cp, Cells: groupCells(r.Cells, m), OnProbe: func(pr results.Probe) {
		if pr.Go != m.Failing && pr.Go != m.Observed {
			pr.Case = m.Case
			probes = append(probes, pr)
		}
	}}
	fmt.Fprintf(w, "minimum go of %s: %s fails, %s passes; bisecting go%s with its %d cells\n",
		m.Case, m.Failing, m.Observed, strings.Join(m.Untried, ", go"), len(p.Cells))
	_, err := bisect.Search(ctx, p, versions, bisect.Options{OnStep: func(s bisect.Step) { printStep(w, s) }})
	return probes, err
}

// newestOf resolves a language version ("1.17") to its newest release.
func newestOf(ctx context.Context, m *toolchain.Manager, lang string) (toolchain.Toolchain, error) {
	tcs, err := m.Resolve(ctx, []string{lang})
	switch {
	case err != nil:
		return toolchain.Toolchain{}, err
	case len(tcs) != 1 || tcs[0].Error != "":
		return toolchain.Toolchain{}, fmt.Errorf("no single release of go%s on the proxy", lang)
	}
	return tcs[0], nil
}

// groupCells returns the cells of m's case (all its packages) on the
// observed toolchain with its own go line: what each probe runs again.
func groupCells(cells []*matrix.Cell, m results.Minimum) []matrix.Cell {
	var out []matrix.Cell
	for _, c := range cells {
		if compat.Group(c.Case.Name) == m.Case && c.Toolchain.Version == m.Observed && c.GoLine == "" {
			out = append(out, *c)
		}
	}
	return out
}
