package shard

import (
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Model prices the work of a shard in expected wall time on the machine
// that runs it. Its figures are fixed, not measured, so that every job
// planning the same matrix gets the same plan.
type Model struct {
	// Cores is how many cores the machine has: a run with GOMAXPROCS=n
	// takes min(n, Cores) of them (unset: all), so Cores/n such runs
	// share the machine's time.
	Cores    int
	Download time.Duration // fetch, verify and unpack one toolchain
	Std      time.Duration // the first build with a toolchain × GOEXPERIMENT, which compiles std
	Build    time.Duration // each further build (one per case × toolchain × GOEXPERIMENT)
	Variant  time.Duration // make.bash of a toolchain rebuilt with an experiment (goexperiment_rebuild)
	Start    time.Duration // per run: starting and reaping a process
}

// DefaultModel is a GitHub-hosted standard runner: 4 cores.
var DefaultModel = Model{
	Cores:    4,
	Download: 15 * time.Second,
	Std:      45 * time.Second,
	Build:    2 * time.Second,
	Variant:  4 * time.Minute,
	Start:    20 * time.Millisecond,
}

// A History is what a previous run says about the cost of each cell: how
// long one run took, or that it hung (and so costs its whole timeout).
// Cells it does not know cost half their timeout per run, as the
// scheduler assumes.
type History struct {
	exact map[string]prior // by Key
	loose map[string]prior // by looseKey: the same cell on another patch release
}

type prior struct {
	perRun time.Duration
	hang   bool
	noRun  bool // it did not build: no runs, only the build
}

// NewHistory reads the cells of a previous run. A cell recorded more than
// once (results merged from several hosts) counts at its costliest.
func NewHistory(r *results.Results) *History {
	h := &History{exact: map[string]prior{}, loose: map[string]prior{}}
	for i := range r.Cells {
		c := &r.Cells[i]
		var p prior
		switch c.Outcome {
		case results.Skip:
			continue // says nothing: it may run now
		case results.BuildError:
			p.noRun = true
		case results.Hang:
			p.hang = true
		default:
			p.perRun = time.Duration(c.DurationMS * float64(time.Millisecond))
		}
		put(h.exact, ResultKey(c), p)
		put(h.loose, looseKey(c.Case, c.Selector, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis), p)
	}
	return h
}

// ReadHistory reads a previous run's results.json (see NewHistory).
func ReadHistory(path string) (*History, error) {
	r, err := results.Read(path)
	if err != nil {
		return nil, err
	}
	return NewHistory(r), nil
}

func put(m map[string]prior, k string, p prior) {
	old, ok := m[k]
	if !ok || costlier(p, old) {
		m[k] = p
	}
}

func costlier(a, b prior) bool {
	switch {
	case a.hang != b.hang:
		return a.hang
	case a.noRun != b.noRun:
		return b.noRun
	}
	return a.perRun > b.perRun
}

// lookup returns what h knows of c.
func (h *History) lookup(c *matrix.Cell) (prior, bool) {
	if h == nil {
		return prior{}, false
	}
	if p, ok := h.exact[CellKey(c)]; ok {
		return p, true
	}
	p, ok := h.loose[looseKey(c.Case.Name, c.Toolchain.Selector, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLine)]
	return p, ok
}

// Setup parts a cell may need before it runs, in the order of
// item.keys.
const (
	needDownload = iota
	needStd
	needBuild
	needVariant
	numNeeds
)

// An item is a cell as the planner sees it: what its runs cost and what
// it needs first. Cells sharing a need (a toolchain, a build) pay for it
// once per shard.
type item struct {
	pos  int // index in the cells given to New
	rank int // of its toolchain, in the order of the plan
	cell *matrix.Cell
	run  time.Duration
	skip bool
	keys [numNeeds]string // "" for a need it does not have
}

func (m *Model) needCost(k int) time.Duration {
	return [numNeeds]time.Duration{m.Download, m.Std, m.Build, m.Variant}[k]
}

// newItem prices cell c.
func newItem(pos int, c *matrix.Cell, h *History, m *Model, rebuild bool) item {
	it := item{pos: pos, cell: c, skip: c.Skip != ""}
	if it.skip {
		return it
	}
	t := c.Toolchain
	v := t.Version
	if v == "" {
		v = "?" + t.Selector
	}
	if needsDownload(t.Selector, t.Version) {
		it.keys[needDownload] = v
	}
	std := v + "\x00" + c.GOEXPERIMENT
	it.keys[needStd] = std
	it.keys[needBuild] = std + "\x00" + c.Case.Name + "\x00" + joinEnv(c.Env)
	if rebuild && build.NeedsVariant(t, c.GOEXPERIMENT) {
		it.keys[needVariant] = std
	}

	perRun, runs := c.Timeout/2, true
	if p, ok := h.lookup(c); ok {
		switch {
		case p.hang:
			perRun = c.Timeout
		case p.noRun:
			runs = false
		default:
			perRun = p.perRun
		}
	}
	if runs {
		cores := max(m.Cores, 1)
		share := cores
		if c.GOMAXPROCS > 0 && c.GOMAXPROCS < cores {
			share = c.GOMAXPROCS
		}
		one := time.Duration(int64(perRun+m.Start) * int64(share) / int64(cores))
		it.run = one * time.Duration(max(c.Repeat, 1))
	}
	return it
}

func joinEnv(env []string) string {
	n := 0
	for _, e := range env {
		n += len(e) + 1
	}
	b := make([]byte, 0, n)
	for _, e := range env {
		b = append(b, e...)
		b = append(b, 0)
	}
	return string(b)
}
