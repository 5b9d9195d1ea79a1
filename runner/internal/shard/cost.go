package shard

import (
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Model prices the work of a shard in expected wall time on the machine
// that runs it, as the runner does it from an empty cache: the downloads
// go on (Lanes at once) while the cells of the toolchains already there
// are built and run on Cores cores. Its figures are fixed, not measured,
// so that every job planning the same matrix gets the same plan; a
// History (what a previous run recorded) overrides them cell by cell and
// toolchain by toolchain.
//
// Download is wall time. The others are core time: a build holding one
// core for 10 s costs 10 s of it, a rebuild holding 4 cores for 30 s
// costs 120 s; the cores share it out.
type Model struct {
	// Cores is how many cores the machine has: a run with GOMAXPROCS=n
	// holds min(n, Cores) of them (unset: all), as the scheduler does.
	Cores int
	// Lanes is how many toolchains download at once (default 2, as the
	// toolchain manager fetches them).
	Lanes int
	// Download is the wall time to fetch, verify and unpack a toolchain
	// no previous run recorded; 0 makes every download free (the
	// toolchains are installed).
	Download time.Duration
	// Std compiles std for a toolchain × GOEXPERIMENT whose release
	// ships none compiled for it (go1.20 and later, and any toolchain
	// with an experiment it was not rebuilt with).
	Std time.Duration
	// Build is each build: one per case × toolchain × GOEXPERIMENT.
	Build time.Duration
	// Variant is a toolchain rebuilt with an experiment
	// (goexperiment_rebuild).
	Variant time.Duration
	// Start is each run's starting and reaping of its process, per core
	// the run holds.
	Start time.Duration
}

// DefaultModel is a GitHub-hosted standard runner: 4 cores. The other
// figures were measured on a 2-core linux/amd64 machine running the
// default matrix from an empty cache (go run
// ./runner/internal/pipeline/bench/cold): a toolchain's download 9–12 s
// while the cores rebuild or build (2.6–12.5 s, 65–151 MB), std 9–13 s of
// a core, a build 0.2–0.7 s, a toolchain rebuilt with an experiment
// 40–62 s of CPU by go install of the build tools (std is then compiled
// on demand, as Std; make.bash: 195–218 s, std included), the runs'
// starts ~4 ms each.
var DefaultModel = Model{
	Cores:    4,
	Lanes:    2,
	Download: 8 * time.Second,
	Std:      12 * time.Second,
	Build:    300 * time.Millisecond,
	Variant:  60 * time.Second,
	Start:    4 * time.Millisecond,
}

// Setup parts a cell may need before it runs, in the order of
// item.needs.
const (
	needDownload = iota
	needStd
	needBuild
	needVariant
	numNeeds
)

// A need is a setup part and what it costs; cells with the same key
// share it (one download per toolchain, one std per toolchain ×
// GOEXPERIMENT…) and pay for it once per shard.
type need struct {
	key  string // "" for a need the cell does not have
	cost time.Duration
}

// An item is a cell as the planner sees it: what its runs cost (core
// time) and what it needs first.
type item struct {
	pos   int // index in the cells given to New
	rank  int // of its toolchain, in the order of the plan
	cell  *matrix.Cell
	work  time.Duration // the runs, in core time
	skip  bool
	needs [numNeeds]need
}

// newItem prices cell c: from h what it recorded, else from m.
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
	p, known := h.lookup(c)
	if needsDownload(t.Selector, t.Version) {
		it.needs[needDownload] = need{v, h.download(t.Version, m)}
	}
	std := v + "\x00" + c.GOEXPERIMENT
	variant := rebuild && build.NeedsVariant(t, c.GOEXPERIMENT)
	bc := h.builds(t.Version, c.GOEXPERIMENT, m)
	if variant {
		it.needs[needVariant] = need{std, h.rebuild(t.Version, c.GOEXPERIMENT, m)}
	}
	ships := shipsStd(t.Version, c.GOEXPERIMENT)
	if variant {
		ships = build.VariantShipsStd(t)
	}
	if (!known || !p.noRun) && !ships {
		it.needs[needStd] = need{std, bc.std}
	}
	it.needs[needBuild] = need{std + "\x00" + c.Case.Name + "\x00" + joinEnv(c.Env), bc.each}
	if !known || !p.noRun {
		it.work = runsCost(c, p, known, m)
	}
	return it
}

// shipsStd reports whether release v ships std compiled for builds with
// GOEXPERIMENT=exp: releases before go1.20 do, for no experiment.
func shipsStd(v, exp string) bool {
	return exp == "" && v != "" && gover.Compare(v, "go1.20") < 0
}

// runsCost is the core time of c's runs: each takes what p recorded
// (known), or half its timeout, or its whole timeout if it hung, plus
// Start, on the cores the scheduler holds for it.
func runsCost(c *matrix.Cell, p prior, known bool, m *Model) time.Duration {
	perRun := c.Timeout / 2
	switch {
	case known && p.hang:
		perRun = max(c.Timeout, p.perRun)
	case known:
		perRun = p.perRun
	}
	return (perRun + m.Start) * time.Duration(runCores(c, m.Cores)*max(c.Repeat, 1))
}

// runCores is the cores a run of c holds (see scheduler.addRuns):
// min(GOMAXPROCS, cores), all of them when unset, and one more for a
// timed cell's clock.
func runCores(c *matrix.Cell, cores int) int {
	cores = max(cores, 1)
	n := c.GOMAXPROCS
	if n <= 0 || n >= cores {
		return cores
	}
	if c.Timed {
		n++
	}
	return n
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

// A History is what a previous run recorded about costs: how long each
// cell's runs took (or that they hung, and so cost their timeout), and,
// where it did them, the downloads, toolchain rebuilds and builds. Cells
// and toolchains it does not know are priced by the Model.
type History struct {
	exact map[string]prior // by Key
	loose map[string]prior // by looseKey: the same cell on another patch release
	// cpus is the cores of the machine that recorded it (0: unknown).
	cpus int
	// Downloads (wall), rebuilds and builds (core time), by version and
	// GOEXPERIMENT ("go1.22.12\x00x"), and by language version for
	// another patch release ("go1.22\x00x").
	fetches  map[string]time.Duration
	rebuilds map[string]time.Duration
	buildsOf map[string]buildCost
}

type prior struct {
	perRun time.Duration
	hang   bool
	noRun  bool // it did not build: no runs, only the build
}

// A buildCost is what the builds with one toolchain × GOEXPERIMENT cost
// in core time: compiling std (the first build's extra), and each build.
type buildCost struct{ std, each time.Duration }

// NewHistory reads the cells of a previous run. A cell recorded more than
// once (results merged from several hosts) counts at its costliest.
func NewHistory(r *results.Results) *History {
	h := &History{exact: map[string]prior{}, loose: map[string]prior{}, cpus: r.Host.CPUs}
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.Outcome == results.Skip {
			continue // says nothing: it may run now
		}
		p := priorOf(c)
		put(h.exact, ResultKey(c), p)
		put(h.loose, looseKey(c.Case, c.Selector, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis), p)
	}
	h.fetches = fetchesOf(r)
	h.rebuilds = rebuildsOf(r)
	h.buildsOf = buildsOf(r)
	return h
}

// priorOf is what cell c's runs cost: each, the mean of its runs.
func priorOf(c *results.Cell) prior {
	switch c.Outcome {
	case results.BuildError:
		return prior{noRun: true}
	case results.Hang:
		return prior{hang: true, perRun: msDuration(c.DurationMS)}
	}
	if len(c.Timings) == 0 {
		return prior{perRun: msDuration(c.DurationMS)}
	}
	var sum float64
	for _, t := range c.Timings {
		sum += t.DurationMS
	}
	return prior{perRun: msDuration(sum / float64(len(c.Timings)))}
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

// Cores returns the cores of the machine that recorded h, 0 if unknown.
func (h *History) Cores() int {
	if h == nil {
		return 0
	}
	return h.cpus
}

// costKeys are the keys of version v with exp in the maps of a History:
// the exact one first, then the one for another patch release.
func costKeys(v, exp string) [2]string {
	return [2]string{v + "\x00" + exp, gover.Lang(v) + "\x00" + exp}
}

// fetchesOf returns the wall time of each toolchain r downloaded.
func fetchesOf(r *results.Results) map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, t := range r.Toolchains {
		if t.Fetch == nil || t.Version == "" {
			continue
		}
		for _, k := range costKeys(t.Version, "") {
			m[k] = max(m[k], msDuration(t.Fetch.MS))
		}
	}
	return m
}

// rebuildsOf returns the core time of each toolchain r rebuilt: its wall
// time on every core of r's host.
func rebuildsOf(r *results.Results) map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, rb := range r.Rebuilds {
		if rb.Error != "" || r.Host.CPUs <= 0 {
			continue
		}
		for _, k := range costKeys(rb.Go, rb.GOEXPERIMENT) {
			m[k] = max(m[k], msDuration(rb.MS)*time.Duration(r.Host.CPUs))
		}
	}
	return m
}

// buildsOf returns what r's builds with each toolchain × GOEXPERIMENT
// cost: the CPU time of each build (the cells that differ only in
// GOMAXPROCS and GODEBUG share one), the costliest being the one that
// compiled std. Only the builds with toolchains r downloaded say what a
// build from an empty cache costs: the build cache of another could hold
// std, or more, already (each version has a build cache of its own).
func buildsOf(r *results.Results) map[string]buildCost {
	type group struct {
		seen  map[string]bool
		times []time.Duration
	}
	cold := map[string]bool{}
	for _, t := range r.Toolchains {
		cold[t.Version] = t.Fetch != nil
	}
	groups := map[string]*group{}
	var order []string
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.BuildCPUMS <= 0 || !cold[c.Go] {
			continue
		}
		k := c.Go + "\x00" + c.GOEXPERIMENT
		g := groups[k]
		if g == nil {
			g = &group{seen: map[string]bool{}}
			groups[k] = g
			order = append(order, k)
		}
		if b := c.Case + "\x00" + c.GoLine; !g.seen[b] {
			g.seen[b] = true
			g.times = append(g.times, msDuration(c.BuildCPUMS))
		}
	}
	m := map[string]buildCost{}
	for _, k := range order {
		bc := costOfBuilds(groups[k].times)
		v, exp, _ := strings.Cut(k, "\x00")
		for _, key := range costKeys(v, exp) {
			if old, ok := m[key]; !ok || bc.std+bc.each > old.std+old.each {
				m[key] = bc
			}
		}
	}
	return m
}

// costOfBuilds splits the times of one toolchain × GOEXPERIMENT's builds
// into std (the costliest's excess over the others' mean) and each (that
// mean; the costliest's own when it is the only one).
func costOfBuilds(times []time.Duration) buildCost {
	most, sum := time.Duration(0), time.Duration(0)
	for _, t := range times {
		most = max(most, t)
		sum += t
	}
	if len(times) < 2 {
		return buildCost{each: most}
	}
	each := (sum - most) / time.Duration(len(times)-1)
	return buildCost{std: max(most-each, 0), each: each}
}

// download is the wall time of fetching toolchain v: what h recorded for
// it (or another patch release of its minor), else m.Download; nothing
// when m.Download is 0.
func (h *History) download(v string, m *Model) time.Duration {
	if m.Download == 0 {
		return 0
	}
	if h != nil {
		for _, k := range costKeys(v, "") {
			if d, ok := h.fetches[k]; ok {
				return d
			}
		}
	}
	return m.Download
}

// rebuild is the core time of rebuilding toolchain v with exp.
func (h *History) rebuild(v, exp string, m *Model) time.Duration {
	if h != nil {
		for _, k := range costKeys(v, exp) {
			if d, ok := h.rebuilds[k]; ok {
				return d
			}
		}
	}
	return m.Variant
}

// builds is what building with toolchain v and exp costs.
func (h *History) builds(v, exp string, m *Model) buildCost {
	if h != nil {
		for _, k := range costKeys(v, exp) {
			if bc, ok := h.buildsOf[k]; ok {
				return bc
			}
		}
	}
	return buildCost{std: m.Std, each: m.Build}
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
