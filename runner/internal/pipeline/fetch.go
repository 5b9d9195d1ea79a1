package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/progress"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// feed fetches the toolchains need in the background, at most
// Manager.Parallel at once, and returns the batches of cells the
// scheduler can build (scheduler.RunAsReady): at once, those whose
// toolchain is in place or that are skipped; then, as each toolchain
// arrives, its cells, pointed at it — or skipped with why, when it could
// not be had (added to Problems). The channel is closed after the last;
// wait returns once the fetches are over. When ctx is cancelled, the
// cells of the toolchains not had yet never come.
func (r *Run) feed(ctx context.Context, need []toolchain.Toolchain, rep progress.Reporter, tl *scheduler.Timeline) (ready <-chan []int, wait func()) {
	ch := make(chan []int, len(need)+1)
	waiting := map[string][]int{} // version → its cells
	var now []int
	for i, c := range r.Cells {
		if waitsForFetch(c) {
			waiting[c.Toolchain.Version] = append(waiting[c.Toolchain.Version], i)
		} else {
			now = append(now, i)
		}
	}
	ch <- now
	// Progress bars redraw in place, moving the cursor up: the lines of
	// cells printed between two redraws would be overwritten. One line
	// as each fetch starts and ends instead (the live line says which
	// are under way).
	r.Manager.IsTTY = false
	var fetching sync.WaitGroup
	fetching.Go(func() {
		defer close(ch)
		r.Manager.EnsureEach(ctx, need, func(t toolchain.Toolchain) {
			if ctx.Err() != nil {
				return // interrupted: its cells do not run
			}
			r.fetched(t, rep, tl)
			for _, i := range waiting[t.Version] {
				useFetched(r.Cells[i], t)
			}
			ch <- waiting[t.Version]
		})
	})
	return ch, fetching.Wait
}

// waitsForFetch reports whether c runs with a toolchain to fetch.
func waitsForFetch(c *matrix.Cell) bool { return c.Skip == "" && c.Toolchain.GOROOT == "" }

// fetched records that the fetch of t ended: it tells rep, records a
// failure in Problems, puts t in Toolchains and its download in tl.
func (r *Run) fetched(t toolchain.Toolchain, rep progress.Reporter, tl *scheduler.Timeline) {
	rep.ToolchainFetched(t)
	if t.Error != "" {
		r.Problems = append(r.Problems, t.Selector+": "+t.Error)
	}
	for i, x := range r.Toolchains {
		if x.Version == t.Version && x.GOROOT == "" {
			g := t
			g.Selector = x.Selector
			r.Toolchains[i] = g
		}
	}
	if t.Fetch != nil {
		end := time.Now()
		tl.Add(scheduler.SpanFetch, t.Version, nil, end.Add(-time.Duration(t.Fetch.MS*float64(time.Millisecond))), end)
	}
}

// toFetch lists the toolchains that cells to run need and that are not
// installed, once each: first those a cell needs rebuilt with its
// GOEXPERIMENT (the rebuilds are the longest work a toolchain brings),
// then the others, in the order of the cells.
func (r *Run) toFetch() []toolchain.Toolchain {
	var need, later []toolchain.Toolchain
	seen := map[string]bool{}
	for _, c := range r.Cells {
		if waitsForFetch(c) && !seen[c.Toolchain.Version] {
			seen[c.Toolchain.Version] = true
			later = append(later, c.Toolchain)
		}
	}
	for _, c := range r.Cells {
		i := slices.IndexFunc(later, func(t toolchain.Toolchain) bool { return t.Version == c.Toolchain.Version })
		if i >= 0 && r.Matrix.GOEXPERIMENTRebuild && build.NeedsVariant(c.Toolchain, c.GOEXPERIMENT) {
			need = append(need, later[i])
			later = slices.Delete(later, i, i+1)
		}
	}
	return append(need, later...)
}

// useFetched points c at its fetched toolchain t, or skips it with why.
func useFetched(c *matrix.Cell, t toolchain.Toolchain) {
	sel := c.Toolchain.Selector
	c.Toolchain = t
	c.Toolchain.Selector = sel
	if t.Error != "" && c.Skip == "" {
		c.Skip = "toolchain unavailable: " + firstLine(t.Error)
	}
}

// TimelineFile is the file in the cache ($GOMATRIX_CACHE) that holds the
// timeline of the last run (scheduler.TimelineData, as JSON): when each
// download, toolchain rebuild, build and batch of runs ran, on which
// cores. `go run ./runner/internal/pipeline/bench/cold -chart` draws it.
const TimelineFile = "timeline.json"

// writeTimeline writes tl to the cache's TimelineFile; a failure is only
// noted on rep's Writer.
func (r *Run) writeTimeline(tl *scheduler.Timeline, rep progress.Reporter) {
	err := writeJSONAtomic(filepath.Join(r.env.CacheDir(), TimelineFile), tl.Data())
	if err != nil {
		fmt.Fprintf(rep.Writer(), "gomatrix: the run's timeline: %v\n", err)
	}
}

// writeJSONAtomic writes v to path as JSON, through a temporary file
// renamed into place.
func writeJSONAtomic(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// A serialReporter makes the calls of a Reporter one at a time: the
// scheduler serialises its own, but toolchains arrive on a goroutine of
// their own.
type serialReporter struct {
	mu sync.Mutex
	progress.Reporter
}

func (s *serialReporter) FetchStarted(ts []toolchain.Toolchain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.FetchStarted(ts)
}

func (s *serialReporter) ToolchainFetched(t toolchain.Toolchain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.ToolchainFetched(t)
}

func (s *serialReporter) RunStarted(cells []*matrix.Cell) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.RunStarted(cells)
}

func (s *serialReporter) BuildDone(req build.Request, res build.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.BuildDone(req, res)
}

func (s *serialReporter) CellStarted(c *matrix.Cell) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.CellStarted(c)
}

func (s *serialReporter) CellDone(c *matrix.Cell, r *results.Cell) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.CellDone(c, r)
}

func (s *serialReporter) Finish(r *results.Results) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Reporter.Finish(r)
}
