package pipeline

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/claim"
	"github.com/gomatrix/gomatrix/runner/internal/compat"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/progress"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/settings"
)

// ExecOptions say how to execute a prepared run.
type ExecOptions struct {
	SchedulerOptions
	// Reporter is told what the run does (progress.New); required.
	Reporter progress.Reporter
	// Checkpoint, when set, is called with the results so far at most
	// every CheckpointEvery (default 2s) as cells finish, so that a run
	// killed outright still leaves them.
	Checkpoint      func(*results.Results)
	CheckpointEvery time.Duration
	// Previous, when set, is the results this run replaces: a claim whose
	// verdict differs from its verdict there, for the same inputs, is
	// unstable (claim.AgainstPrevious).
	Previous *results.Results
	// Out is the directory the results go to: they record the matrix
	// file relative to it (see MatrixFile). Empty: as the file was named.
	Out string
	// Amend, when set, turns the results so far into those to write, at
	// every checkpoint and at the end, before claims are compared with
	// Previous and the reporter is told: run -only adds the cells it keeps
	// from the results it updates. It must not modify its argument.
	Amend func(*results.Results) *results.Results
}

// Execute fetches the toolchains r's cells need, builds and runs the
// cells, and returns the results: complete, or, when ctx is cancelled,
// those of the cells that finished, marked incomplete, with ctx's error.
// The fetches overlap the work: the cells of a toolchain that is in place
// are built and run while the others download (see feed). Toolchains that
// could not be had are added to r.Problems and their cells are skip.
// Reporter.Finish has been called when it returns results.
func (r *Run) Execute(ctx context.Context, o ExecOptions) (*results.Results, error) {
	rep := &serialReporter{Reporter: o.Reporter}
	o.Reporter = rep
	res := r.newResults(o.Out)
	need := r.toFetch()
	if len(need) > 0 {
		rep.FetchStarted(need)
	}
	rep.RunStarted(r.Cells)
	s := r.env.NewScheduler(o.SchedulerOptions)
	s.MatrixDir = r.Matrix.Dir
	s.RebuildForExperiments = r.Matrix.GOEXPERIMENTRebuild
	s.Timeline = scheduler.NewTimeline()
	col := newCollector(r.Cells, res, o)
	s.CellStarted, s.CellDone, s.BuildDone, s.Rebuilt = rep.CellStarted, col.cellDone, col.buildDone, col.rebuilt
	start := time.Now()
	ready, fetchesDone := r.feed(ctx, need, rep, s.Timeline)
	out, runErr := s.RunAsReady(ctx, r.Cells, ready)
	fetchesDone()
	res.Stats.WallMS = ms(time.Since(start))
	res.Toolchains = r.Toolchains
	r.writeTimeline(s.Timeline, rep)
	r.finish(res, out, runErr == nil)
	res = o.amend(res)
	claim.AgainstPrevious(res, o.Previous)
	rep.Finish(res)
	return res, runErr
}

// amend returns the results to write (see Amend).
func (o *ExecOptions) amend(res *results.Results) *results.Results {
	if o.Amend == nil {
		return res
	}
	return o.Amend(res)
}

// newResults returns the results of r, to be written to the directory
// out, before any cell has run.
func (r *Run) newResults(out string) *results.Results {
	mi := MatrixInfo(r.Matrix, r.Cases, r.only)
	if out != "" {
		mi.File = MatrixFile(r.Matrix.File, out)
	}
	return &results.Results{
		Schema:     results.SchemaVersion,
		Runner:     Version,
		Started:    time.Now().UTC().Truncate(time.Second),
		Host:       results.Host{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU()},
		Matrix:     mi,
		MatrixHash: r.MatrixHash,
		SourceHash: r.SourceHash,
		Shard:      r.Shard,
		// A copy: the fetches fill in r's as checkpoints write these.
		Toolchains: slices.Clone(r.Toolchains),
	}
}

// finish completes res with the cells, their counts and the claims.
func (r *Run) finish(res *results.Results, out []*results.Cell, complete bool) {
	res.Cells = collect(out)
	Evaluate(res, r.Matrix.Claims)
	res.Finished = time.Now().UTC().Truncate(time.Second)
	res.Complete = complete
}

// Evaluate sets what the cells of res say together: how many runs they
// took and how many came from the result cache, the check of their inert
// settings (a cell and its sibling may prove a mark wrong), the verdicts
// of claims and each case's minimum Go. A run, a merge and a run that
// updates earlier results (run -only) all finish their results with it.
func Evaluate(res *results.Results, claims []matrix.Claim) {
	res.Stats.Runs, res.Stats.Cached = 0, 0
	for _, c := range res.Cells {
		if c.Cached {
			res.Stats.Cached++
		} else {
			res.Stats.Runs += c.Runs
		}
	}
	settings.CheckInert(res.Cells) // before claims: a corrected cell is evidence
	res.Claims = claim.Evaluate(claims, res.Cells)
	res.Minimums = compat.Minimums(res)
}

// A collector gathers what the scheduler reports: build statistics and
// finished cells, checkpointed as they come.
type collector struct {
	mu        sync.Mutex
	res       *results.Results
	done      []*results.Cell
	index     map[*matrix.Cell]int
	o         ExecOptions
	lastWrite time.Time
}

func newCollector(cells []*matrix.Cell, res *results.Results, o ExecOptions) *collector {
	c := &collector{res: res, done: make([]*results.Cell, len(cells)), index: make(map[*matrix.Cell]int, len(cells)), o: o, lastWrite: time.Now()}
	for i, cell := range cells {
		c.index[cell] = i
	}
	if c.o.CheckpointEvery <= 0 {
		c.o.CheckpointEvery = 2 * time.Second
	}
	return c
}

func (c *collector) cellDone(cell *matrix.Cell, r *results.Cell) {
	c.o.Reporter.CellDone(cell, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[c.index[cell]] = r
	if c.o.Checkpoint != nil && time.Since(c.lastWrite) > c.o.CheckpointEvery {
		c.lastWrite = time.Now()
		c.res.Cells = collect(c.done)
		c.o.Checkpoint(c.o.amend(c.res))
	}
}

func (c *collector) buildDone(req build.Request, b build.Result) {
	c.o.Reporter.BuildDone(req, b)
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &c.res.Stats
	st.Builds++
	if b.Cached {
		st.Reused++
	}
	st.BuildMS += ms(b.Duration)
	st.BuildCPUMS += ms(b.CPU)
}

func (c *collector) rebuilt(rb results.Rebuild) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Rebuilds = append(c.res.Rebuilds, rb)
}

// collect returns the finished cells, in matrix order.
func collect(cells []*results.Cell) []results.Cell {
	var out []results.Cell
	for _, r := range cells {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
