package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
)

// A span is the wall-clock interval of one build or run.
type span struct{ start, end time.Time }

func (s span) overlaps(o span) bool { return s.start.Before(o.end) && o.start.Before(s.end) }

// A recorder watches the scheduler through its two seams: the builds it
// asks for, and the runs it starts.
type recorder struct {
	scheduler.Builder
	sysmon string // the sysmon binary, whose complete_ms is kept

	mu     sync.Mutex
	builds []span
	runs   []span
	ms     []float64
}

func (r *recorder) Build(ctx context.Context, req build.Request, procs int) (build.Result, error) {
	start := time.Now()
	res, err := r.Builder.Build(ctx, req, procs)
	r.mu.Lock()
	r.builds = append(r.builds, span{start, time.Now()})
	r.mu.Unlock()
	return res, err
}

func (r *recorder) runCell(ctx context.Context, spec run.Spec) (run.Result, error) {
	start := time.Now()
	res, err := run.Cell(ctx, spec)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, span{start, time.Now()})
	if spec.Path == r.sysmon && err == nil {
		r.ms = append(r.ms, millis(res.CompletedAfter))
	}
	return res, err
}

// schedResult is what (c) found.
type schedResult struct {
	ms                []float64 // the sysmon runs' complete_ms
	runs, overlapping int       // runs, and those that overlapped a build
	builds            int
	buildPhase        span // from the first build's start to the last one's end
	runPhase          span
}

func (r schedResult) note() string {
	t0 := r.buildPhase.start
	return fmt.Sprintf("%d of %d runs overlapped a build (%d builds in %.1f–%.1fs, runs in %.1f–%.1fs)",
		r.overlapping, r.runs, r.builds, 0.0, r.buildPhase.end.Sub(t0).Seconds(),
		r.runPhase.start.Sub(t0).Seconds(), r.runPhase.end.Sub(t0).Seconds())
}

// throughScheduler runs the sysmon cell, with -n repeats, through the
// scheduler, together with b.chains cells whose builds are heavy
// (GOFLAGS=-a rebuilds every package they import) and each a chain of
// its own (a distinct env).
func (b *bench) throughScheduler(ctx context.Context) (schedResult, error) {
	cells := []*matrix.Cell{b.sysmon}
	for i := range b.chains {
		cells = append(cells, &matrix.Cell{
			Case: b.filler, Toolchain: b.sysmon.Toolchain, GOMAXPROCS: 1,
			Env:     []string{"GOFLAGS=-a", fmt.Sprintf("TIMING_CHAIN=%d", i)},
			Timeout: timeout, BuildTimeout: buildTimeout, Repeat: 1,
		})
	}
	rec := &recorder{Builder: &build.Builder{CacheDir: b.work}}
	// The sysmon binary was built already: the scheduler reuses it.
	spec, err := b.buildSysmon(ctx)
	if err != nil {
		return schedResult{}, err
	}
	rec.sysmon = spec.Path
	s := &scheduler.Scheduler{Builder: rec, RunCell: rec.runCell, CacheDir: b.work, Parallel: b.par}
	out, err := s.Run(ctx, cells)
	if err != nil {
		return schedResult{}, err
	}
	for _, r := range out {
		if r.Outcome != results.Complete {
			return schedResult{}, fmt.Errorf("cell %s %s: %s (%s)", r.Case, r.Settings(), r.Outcome, r.Reason)
		}
	}
	return rec.result(), nil
}

func (r *recorder) result() schedResult {
	res := schedResult{ms: r.ms, runs: len(r.runs), builds: len(r.builds)}
	res.buildPhase, res.runPhase = hull(r.builds), hull(r.runs)
	for _, run := range r.runs {
		for _, b := range r.builds {
			if run.overlaps(b) {
				res.overlapping++
				break
			}
		}
	}
	return res
}

// hull is the span from the first start to the last end.
func hull(spans []span) span {
	h := spans[0]
	for _, s := range spans[1:] {
		if s.start.Before(h.start) {
			h.start = s.start
		}
		if s.end.After(h.end) {
			h.end = s.end
		}
	}
	return h
}
