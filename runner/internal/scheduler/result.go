package scheduler

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/settings"
)

// base fills the fields every result of c has.
func base(c *matrix.Cell) *results.Cell {
	return &results.Cell{
		Case:         c.Case.Name,
		Selector:     c.Toolchain.Selector,
		Go:           c.Toolchain.Version,
		GOMAXPROCS:   c.GOMAXPROCS,
		GODEBUG:      c.GODEBUG,
		GOEXPERIMENT: c.GOEXPERIMENT,
		GoLineAxis:   c.GoLine,
		TimeoutMS:    c.Timeout.Milliseconds(),
	}
}

func skipped(c *matrix.Cell) *results.Cell {
	r := base(c)
	r.Outcome, r.Reason = results.Skip, c.Skip
	return r
}

func (s *Scheduler) buildFailed(c *matrix.Cell, b build.Result) *results.Cell {
	r := base(c)
	r.Outcome, r.Reason = results.BuildError, b.Error
	r.GoLine, r.GoModAdapted = b.GoLine, b.GoModAdapted
	r.BuildOutput = b.Output
	r.BuildMS, r.BuildCPUMS = ms(b.Duration), ms(b.CPU)
	r.Reproduce = s.reproduce(c, b)
	return r
}

// noTests is the result of a test case whose package has no test files.
func (s *Scheduler) noTests(c *matrix.Cell, b build.Result) *results.Cell {
	r := base(c)
	r.Outcome, r.Reason = results.Skip, "no tests to run: the package has no test files"
	r.GoLine, r.GoModAdapted = b.GoLine, b.GoModAdapted
	r.BuildMS, r.BuildCPUMS = ms(b.Duration), ms(b.CPU)
	return r
}

// result folds the runs of c into its result.
func (s *Scheduler) result(c *matrix.Cell, b build.Result, runs []run.Result) *results.Cell {
	r := base(c)
	r.GoLine, r.GoModAdapted = b.GoLine, b.GoModAdapted
	r.BuildMS, r.BuildCPUMS = ms(b.Duration), ms(b.CPU)
	r.RuntimeVersion, r.Experiments, r.Variant = b.RuntimeVersion, b.Experiments, b.Variant
	r.Reproduce = s.reproduce(c, b)
	r.Inert = inert(c, b)
	fold(r, runs)
	timings(r, runs, c.Case.SelfMS)
	return r
}

// inert says which of the cell's settings did not take effect.
func inert(c *matrix.Cell, b build.Result) []string {
	var out []string
	if msg := settings.InertGOEXPERIMENT(c.Toolchain.Version, c.GOEXPERIMENT, b.Experiments); msg != "" {
		out = append(out, msg)
	}
	if c.GODEBUG != "" {
		if keys, err := settings.GODEBUGKeys(c.Toolchain.GOROOT); err == nil {
			if msg := settings.InertGODEBUG(c.Toolchain.Version, c.GODEBUG, keys); msg != "" {
				out = append(out, msg)
			}
		}
	}
	return out
}

// FragileFraction is the share of its timeout after which a complete cell
// is reported as fragile.
const FragileFraction = 0.5

// fold sets r's outcome from runs: the majority (ties go to the outcome
// listed first in results.Outcomes), and reports the details of the first
// run that had it.
func fold(r *results.Cell, runs []run.Result) {
	counts := map[string]int{}
	for _, x := range runs {
		counts[x.Outcome]++
	}
	best := ""
	for _, o := range results.Outcomes {
		if counts[o] > counts[best] {
			best = o
		}
	}
	r.Runs = len(runs)
	if len(runs) > 1 {
		r.Counts = counts
		r.Flaky = len(counts) > 1
	}
	for _, x := range runs {
		if x.Outcome == best {
			detail(r, x)
			break
		}
	}
}

// detail copies what run x showed into r.
func detail(r *results.Cell, x run.Result) {
	r.Outcome, r.Reason = x.Outcome, x.Reason
	r.ExitCode, r.Signal = x.ExitCode, x.Signal
	r.DurationMS = ms(x.Duration)
	if x.Outcome == results.Complete {
		v := ms(x.CompletedAfter)
		r.CompleteMS = &v
	}
	r.Stdout, r.Stderr = nonEmpty(x.Stdout), nonEmpty(x.Stderr)
	r.GoroutineDump, r.FatalLine = x.GoroutineDump, x.FatalLine
	r.Leftovers = x.Leftovers
	r.Tests = x.Tests
}

// timings records every run's figures when there are several, makes
// the cell's complete_ms the median of its complete runs, and records the
// time the program reported itself (selfMS), flagging a run whose
// program measured more than the runner did.
func timings(r *results.Cell, runs []run.Result, selfMS *regexp.Regexp) {
	var ts []results.Timing
	for _, x := range runs {
		t := results.Timing{Outcome: x.Outcome, DurationMS: ms(x.Duration)}
		if x.Outcome == results.Complete {
			v := ms(x.CompletedAfter)
			t.CompleteMS = &v
		}
		t.SelfMS = reportedMS(selfMS, x.Stdout, x.Stderr)
		ts = append(ts, t)
	}
	if len(ts) > 1 {
		r.Timings = ts
	}
	if s, ok := results.SpreadOf(r.CompleteTimes()); ok && r.Outcome == results.Complete {
		if len(ts) > 1 {
			r.CompleteMS = &s.Median
		}
		if r.TimeoutMS > 0 && s.Max > FragileFraction*float64(r.TimeoutMS) {
			r.Fragile = fmt.Sprintf("completed after %.0f%% of its %s timeout: on a slower or busier machine it could be a hang", 100*s.Max/float64(r.TimeoutMS), time.Duration(r.TimeoutMS)*time.Millisecond)
		}
	}
	var self []float64
	for i, t := range ts {
		if t.SelfMS == nil {
			continue
		}
		self = append(self, *t.SelfMS)
		if t.CompleteMS != nil && *t.SelfMS > *t.CompleteMS && r.TimingError == "" {
			r.TimingError = fmt.Sprintf("run %d: the program measured %.2f ms inside an interval the runner measured as %.2f ms: the runner's complete_ms is too low there", i+1, *t.SelfMS, *t.CompleteMS)
		}
	}
	if s, ok := results.SpreadOf(self); ok {
		r.SelfMS = &s.Median
	}
}

// reportedMS finds the milliseconds a program reported itself in its
// output: the first line selfMS matches, its group parsed as a number.
func reportedMS(selfMS *regexp.Regexp, outs ...results.Output) *float64 {
	if selfMS == nil {
		return nil
	}
	for _, o := range outs {
		for line := range strings.Lines(o.Head + o.Tail) {
			m := selfMS.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
			if m == nil {
				continue
			}
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				return &v
			}
		}
	}
	return nil
}

// nonEmpty returns o, or nil for a stream that carried nothing (results.json
// leaves it out).
func nonEmpty(o results.Output) *results.Output {
	if o.Bytes == 0 {
		return nil
	}
	return &o
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
