package shard

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Info is what a shard's results.json records under "shard": which shard
// of which plan the run was and the cells it was to run, so that a merge
// can name the cells that are missing and put every cell back in matrix
// order.
type Info struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	Plan  string `json:"plan"`
	// Cells are the keys (see Key) of the shard's cells; Positions the
	// index of each in the whole matrix's order.
	Cells     []string `json:"cells"`
	Positions []int    `json:"positions"`
}

// NewInfo returns the Info of shard s of plan p.
func NewInfo(p *Plan, s *Shard) *Info {
	return &Info{Index: s.Spec.Index, Count: s.Spec.Count, Plan: p.ID, Cells: s.Keys(), Positions: slices.Clone(s.Positions)}
}

// Meta is what a results.json records for merging, beyond the fields of
// results.Results that this package reads: the resolved matrix's hash,
// the shard, and, in results merged from several hosts, each cell's
// host. Its JSON keys are those results.Results and results.Cell take
// for them.
type Meta struct {
	MatrixHash string         `json:"matrix_hash,omitempty"`
	SourceHash string         `json:"source_hash,omitempty"`
	Shard      *Info          `json:"shard,omitempty"`
	Hosts      []results.Host `json:"hosts,omitempty"`
	Cells      []struct {
		OS string `json:"os,omitempty"`
	} `json:"cells,omitempty"`
}

// An Input is one results.json to merge.
type Input struct {
	Name    string // where it was read from, for messages
	Results *results.Results
	Meta    Meta
}

// ReadInput reads a results.json written by run (with or without
// -shard) or by merge.
func ReadInput(path string) (*Input, error) {
	r, err := results.Read(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	in := &Input{Name: path, Results: r}
	if err := json.Unmarshal(data, &in.Meta); err != nil {
		return nil, fmt.Errorf("read results %s: %w", path, err)
	}
	return in, nil
}

// HostName names a host as the OS axis shows it: "linux/amd64".
func HostName(h results.Host) string { return h.GOOS + "/" + h.GOARCH }

// host returns the host cell i of in ran on.
func (in *Input) host(i int) string {
	if i < len(in.Meta.Cells) && in.Meta.Cells[i].OS != "" {
		return in.Meta.Cells[i].OS
	}
	return HostName(in.Results.Host)
}

// A Merged is the union of several runs of one matrix.
type Merged struct {
	// Results holds every cell once, in matrix order (and, for a cell
	// run on several hosts, in the order of Hosts). Claims are left for
	// the caller to evaluate over the merged cells.
	Results *results.Results
	// SourceHash is the inputs' SourceHash; MatrixHash their Hash, when
	// they share one (it differs between platforms that resolve the
	// matrix's versions differently).
	SourceHash string
	MatrixHash string
	// Hosts are the machines the cells ran on, by name; OS gives, when
	// there are several, the host of each cell of Results.Cells.
	Hosts []results.Host
	OS    []string
	// Inputs describes what was merged, in the order used.
	Inputs []Source
	// Missing lists the cells expected and not given: by a shard's own
	// list, or, across hosts, because another host ran them.
	// MissingShards lists the shards of which no results were given.
	// Duplicates lists the cells given more than once (the first is
	// kept).
	Missing       []string
	MissingShards []string
	Duplicates    []string
}

// A Source is one merged input, as a merged results.json records it
// under "merged".
type Source struct {
	File     string `json:"file"`
	Host     string `json:"host"`
	Shard    string `json:"shard,omitempty"` // "2/8"
	Plan     string `json:"plan,omitempty"`
	Cells    int    `json:"cells"`
	Complete bool   `json:"complete"`
}

// Problems is the number of missing cells, missing shards and duplicates.
func (m *Merged) Problems() int { return len(m.Missing) + len(m.MissingShards) + len(m.Duplicates) }

// A MismatchError says that two inputs are not of the same matrix: not
// of the same matrix as written, or, on one platform, not resolved to the
// same cells (a Go release published between two shard jobs).
type MismatchError struct {
	A, B         string // the files
	HashA, HashB string
	// Platform is set when the two ran the same matrix on one platform
	// but resolved it differently.
	Platform string
	Reasons  []string // what differs, as far as the results show it
}

func (e *MismatchError) Error() string {
	s := fmt.Sprintf("%s and %s are of different matrices (%s vs %s)", e.A, e.B, short(e.HashA), short(e.HashB))
	if e.Platform != "" {
		s = fmt.Sprintf("%s and %s resolved the matrix differently on %s (matrix hash %s vs %s)", e.A, e.B, e.Platform, short(e.HashA), short(e.HashB))
	}
	for _, r := range e.Reasons {
		s += "\n\t" + r
	}
	return s + "\nhint: merge the shards of one plan; when the matrix, a case or a resolved Go version changed, plan and run the shards again"
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(none)"
	}
	return h
}

// Merge merges the inputs. It refuses inputs of different matrices (a
// *MismatchError) or without a matrix hash; missing and duplicate cells
// are not errors but are listed in the result, which is then marked
// incomplete when cells are missing.
func Merge(inputs []*Input) (*Merged, error) {
	if len(inputs) == 0 {
		return nil, errors.New("merge: no results given")
	}
	if err := checkSameMatrix(inputs); err != nil {
		return nil, err
	}
	inputs = sortInputs(inputs)
	g := newMerger(inputs)
	for _, in := range inputs {
		g.add(in)
	}
	sortCells(g.cells, g.hostNames)
	g.m.Missing = g.missing()
	g.m.MissingShards = g.missingShards()
	g.fillResults(inputs)
	return g.m, nil
}

// sortInputs returns the inputs by host, shard and file, so that the
// order of the arguments does not change the result.
func sortInputs(inputs []*Input) []*Input {
	inputs = slices.Clone(inputs)
	slices.SortStableFunc(inputs, func(a, b *Input) int {
		return cmp.Or(cmp.Compare(HostName(a.Results.Host), HostName(b.Results.Host)),
			cmp.Compare(shardIndex(a), shardIndex(b)), cmp.Compare(a.Name, b.Name))
	})
	return inputs
}

// A merger is one Merge under way: the result so far and what the inputs
// read so far gave and promised.
type merger struct {
	m         *Merged
	hostNames []string // sorted
	multi     bool     // cells of several hosts
	// hashOf is the resolved matrix of each host that ran shards or
	// whole runs: hosts with the same one ran the same cells.
	hashOf      map[string]string
	cells       []placed
	seen        map[string]string            // host + key → the file that gave it
	present     map[string]map[string]bool   // host → keys given
	expected    map[string]map[string]string // host → key → the shard that should have given it
	posOf       map[string]map[string]int    // host → key → position in the matrix
	shardsGiven map[planKey]map[int]bool
}

// A planKey names a plan of shards run on one host.
type planKey struct {
	host, id string
	count    int
}

// newMerger starts merging inputs, sorted by sortInputs.
func newMerger(inputs []*Input) *merger {
	hostNames, hostSet := hostsOf(inputs)
	g := &merger{
		m:           &Merged{SourceHash: inputs[0].Meta.SourceHash, MatrixHash: commonMatrixHash(inputs)},
		hostNames:   hostNames,
		multi:       len(hostNames) > 1,
		hashOf:      hostMatrixHashes(inputs),
		seen:        map[string]string{},
		present:     map[string]map[string]bool{},
		expected:    map[string]map[string]string{},
		posOf:       map[string]map[string]int{},
		shardsGiven: map[planKey]map[int]bool{},
	}
	if g.multi {
		for _, name := range hostNames {
			g.m.Hosts = append(g.m.Hosts, hostSet[name])
		}
	}
	return g
}

// commonMatrixHash is the inputs' matrix hash when they share one, else "".
func commonMatrixHash(inputs []*Input) string {
	h := inputs[0].Meta.MatrixHash
	for _, in := range inputs {
		if in.Meta.MatrixHash != h {
			return ""
		}
	}
	return h
}

// hostMatrixHashes maps each host that ran shards or whole runs (not
// merged results) to its resolved matrix hash.
func hostMatrixHashes(inputs []*Input) map[string]string {
	hashOf := map[string]string{}
	for _, in := range inputs {
		if len(in.Meta.Hosts) == 0 {
			hashOf[HostName(in.Results.Host)] = in.Meta.MatrixHash
		}
	}
	return hashOf
}

// on names host in a message, when the merge has several.
func (g *merger) on(host string) string {
	if !g.multi {
		return ""
	}
	return " on " + host
}

// add merges one input: its source, the cells its shard was to run, and
// the cells it gave.
func (g *merger) add(in *Input) {
	r := in.Results
	src := Source{File: in.Name, Host: HostName(r.Host), Cells: len(r.Cells), Complete: r.Complete}
	if s := in.Meta.Shard; s != nil {
		src.Shard, src.Plan = Spec{s.Index, s.Count}.String(), s.Plan
		g.expect(src.Host, src.Shard, s)
	}
	g.m.Inputs = append(g.m.Inputs, src)
	for i := range r.Cells {
		g.addCell(in, i)
	}
}

// expect notes shard s (named shard) of host as given, and the cells it
// was to run with their positions.
func (g *merger) expect(host, shard string, s *Info) {
	k := planKey{host, s.Plan, s.Count}
	if g.shardsGiven[k] == nil {
		g.shardsGiven[k] = map[int]bool{}
	}
	g.shardsGiven[k][s.Index] = true
	if g.expected[host] == nil {
		g.expected[host] = map[string]string{}
		g.posOf[host] = map[string]int{}
	}
	for i, key := range s.Cells {
		g.expected[host][key] = shard
		if i < len(s.Positions) {
			g.posOf[host][key] = s.Positions[i]
		}
	}
}

// addCell merges cell i of in, or lists it as a duplicate.
func (g *merger) addCell(in *Input, i int) {
	c := in.Results.Cells[i]
	host := in.host(i)
	key := ResultKey(&c)
	if prev, ok := g.seen[host+"\x00"+key]; ok {
		g.m.Duplicates = append(g.m.Duplicates, fmt.Sprintf("%s%s: in %s and %s", key, g.on(host), prev, in.Name))
		return
	}
	g.seen[host+"\x00"+key] = in.Name
	if g.present[host] == nil {
		g.present[host] = map[string]bool{}
	}
	g.present[host][key] = true
	pos, ok := g.posOf[host][key]
	if !ok {
		pos = i // a whole run: its cells are in matrix order
	}
	g.cells = append(g.cells, placed{cell: c, key: key, host: host, pos: pos})
}

// missing lists, sorted, what a shard said it would run and no input
// gave; across hosts, what one host ran and another of the same resolved
// matrix did not.
func (g *merger) missing() []string {
	missing := map[string]string{} // host + key → message
	for host, exp := range g.expected {
		for key, shard := range exp {
			if !g.present[host][key] {
				missing[host+"\x00"+key] = fmt.Sprintf("%s%s (shard %s)", key, g.on(host), shard)
			}
		}
	}
	if g.multi {
		g.missingAcrossHosts(missing)
	}
	var out []string
	for _, s := range missing {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// missingAcrossHosts adds to missing the cells a host lacks that another
// host of the same resolved matrix ran: those hosts ran the same cells.
func (g *merger) missingAcrossHosts(missing map[string]string) {
	all := map[string]map[string]bool{} // matrix hash → keys
	for host, keys := range g.present {
		if h := g.hashOf[host]; h != "" {
			if all[h] == nil {
				all[h] = map[string]bool{}
			}
			for k := range keys {
				all[h][k] = true
			}
		}
	}
	for _, host := range g.hostNames {
		for k := range all[g.hashOf[host]] {
			if _, ok := missing[host+"\x00"+k]; !ok && !g.present[host][k] {
				missing[host+"\x00"+k] = fmt.Sprintf("%s on %s (another host ran it)", k, host)
			}
		}
	}
}

// missingShards lists, sorted, the shards of each plan that no input gave.
func (g *merger) missingShards() []string {
	var out []string
	for p, given := range g.shardsGiven {
		for i := 1; i <= p.count; i++ {
			if !given[i] {
				out = append(out, fmt.Sprintf("shard %d/%d%s of plan %s: no results given", i, p.count, g.on(p.host), p.id))
			}
		}
	}
	slices.Sort(out)
	return out
}

// fillResults sets the merged results: the inputs' merged header and
// the cells, sorted, with their hosts when there are several.
func (g *merger) fillResults(inputs []*Input) {
	m := g.m
	m.Results = mergeResults(inputs, len(m.Missing)+len(m.MissingShards) == 0)
	if g.multi {
		m.Results.Host = m.Hosts[0]
	}
	for _, p := range g.cells {
		m.Results.Cells = append(m.Results.Cells, p.cell)
		if g.multi {
			m.OS = append(m.OS, p.host)
		}
	}
}

func shardIndex(in *Input) int {
	if in.Meta.Shard == nil {
		return 0
	}
	return in.Meta.Shard.Index
}

// hostsOf returns the names of the hosts the inputs' cells ran on,
// sorted, and the hosts by name.
func hostsOf(inputs []*Input) ([]string, map[string]results.Host) {
	hosts := map[string]results.Host{}
	for _, in := range inputs {
		for _, h := range in.Meta.Hosts {
			hosts[HostName(h)] = h
		}
		if len(in.Meta.Hosts) == 0 {
			hosts[HostName(in.Results.Host)] = in.Results.Host
		}
	}
	return slices.Sorted(maps.Keys(hosts)), hosts
}

// A placed cell is a cell to merge, with where it goes.
type placed struct {
	cell      results.Cell
	key, host string
	pos       int // in its host's matrix
}

// sortCells puts cells in matrix order. Each host's cells are in the
// order of its matrix; when platforms resolved the matrix to different
// cells, the orders are merged (a cell one host lacks goes after the
// cell before it on the host that has it); a cell run on several hosts
// comes once per host, hosts in order.
func sortCells(cells []placed, hostNames []string) {
	byHost := map[string][]placed{}
	for _, p := range cells {
		byHost[p.host] = append(byHost[p.host], p)
	}
	seqs := make([][]string, 0, len(byHost))
	for _, name := range hostNames {
		h := byHost[name]
		slices.SortStableFunc(h, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })
		seq := make([]string, len(h))
		for i, p := range h {
			seq[i] = p.key
		}
		seqs = append(seqs, seq)
	}
	rank := mergeOrders(seqs)
	hostRank := map[string]int{}
	for i, name := range hostNames {
		hostRank[name] = i
	}
	slices.SortStableFunc(cells, func(a, b placed) int {
		return cmp.Or(cmp.Compare(rank[a.key], rank[b.key]), cmp.Compare(hostRank[a.host], hostRank[b.host]))
	})
}

// mergeOrders returns a rank for every key of seqs that keeps the order
// of each: the longest sequence first, then each key another one adds is
// placed right after the key before it there.
func mergeOrders(seqs [][]string) map[string]int {
	seqs = slices.Clone(seqs)
	slices.SortStableFunc(seqs, func(a, b []string) int { return cmp.Compare(len(b), len(a)) })
	const head = "\x00head"
	next := map[string]string{} // a linked list of the keys placed
	placed := map[string]bool{head: true}
	for _, seq := range seqs {
		prev := head
		for _, k := range seq {
			if !placed[k] {
				placed[k] = true
				next[k] = next[prev]
				next[prev] = k
			}
			prev = k
		}
	}
	rank := make(map[string]int, len(placed))
	for k, i := next[head], 0; k != ""; k, i = next[k], i+1 {
		rank[k] = i
	}
	return rank
}

// checkSameMatrix refuses inputs of different matrices: their source
// hashes must agree, and their resolved matrices too among inputs of one
// platform (across all of them, for inputs that predate source hashes).
func checkSameMatrix(inputs []*Input) error {
	haveSource := true
	for _, in := range inputs {
		if in.Meta.MatrixHash == "" && len(in.Meta.Hosts) == 0 {
			return fmt.Errorf("merge: %s records no matrix hash, so it cannot be checked against the others\nhint: it was written by a runner that predates sharding: run it again", in.Name)
		}
		haveSource = haveSource && in.Meta.SourceHash != ""
	}
	first := inputs[0]
	for _, in := range inputs[1:] {
		if haveSource && in.Meta.SourceHash != first.Meta.SourceHash {
			return &MismatchError{A: first.Name, B: in.Name, HashA: first.Meta.SourceHash, HashB: in.Meta.SourceHash, Reasons: differences(first.Results, in.Results)}
		}
	}
	byPlatform := map[string]*Input{}
	for _, in := range inputs {
		if in.Meta.MatrixHash == "" {
			continue // merged results of several platforms
		}
		platform := ""
		if haveSource {
			platform = HostName(in.Results.Host)
		}
		prev, ok := byPlatform[platform]
		if !ok {
			byPlatform[platform] = in
			continue
		}
		if prev.Meta.MatrixHash != in.Meta.MatrixHash {
			return &MismatchError{A: prev.Name, B: in.Name, HashA: prev.Meta.MatrixHash, HashB: in.Meta.MatrixHash, Platform: platform, Reasons: differences(prev.Results, in.Results)}
		}
	}
	return nil
}

// mergeResults merges everything but the cells.
func mergeResults(inputs []*Input, whole bool) *results.Results {
	first := inputs[0].Results
	r := &results.Results{
		Schema:   results.SchemaVersion,
		Runner:   first.Runner,
		Started:  first.Started,
		Finished: first.Finished,
		Complete: whole,
		Host:     first.Host,
		Matrix:   first.Matrix,
	}
	seenTC := map[toolchainKey]int{} // → index in r.Toolchains
	for _, in := range inputs {
		x := in.Results
		if x.Started.Before(r.Started) {
			r.Started = x.Started
		}
		if x.Finished.After(r.Finished) {
			r.Finished = x.Finished
		}
		r.Complete = r.Complete && x.Complete
		mergeToolchains(r, x.Toolchains, seenTC)
		r.Rebuilds = append(r.Rebuilds, x.Rebuilds...)
		r.Probes = append(r.Probes, x.Probes...)
		// The shards ran side by side: the wall time is the longest;
		// the work done adds up.
		r.Stats.WallMS = max(r.Stats.WallMS, x.Stats.WallMS)
		r.Stats.Builds += x.Stats.Builds
		r.Stats.Reused += x.Stats.Reused
		r.Stats.BuildMS += x.Stats.BuildMS
		r.Stats.BuildCPUMS += x.Stats.BuildCPUMS
		r.Stats.Runs += x.Stats.Runs
		r.Stats.Cached += x.Stats.Cached
	}
	if len(inputs) == 1 {
		r.Claims = first.Claims // the whole run's own verdicts
	}
	return r
}

type toolchainKey struct{ sel, version string }

// mergeToolchains adds to r the toolchains in ts it lacks (seen: index
// of each in r.Toolchains). Each shard downloads what it needs: a
// download's figures are kept from whichever shard made one, for plans
// to learn from.
func mergeToolchains(r *results.Results, ts []toolchain.Toolchain, seen map[toolchainKey]int) {
	for _, t := range ts {
		k := toolchainKey{t.Selector, t.Version}
		i, ok := seen[k]
		switch {
		case !ok:
			seen[k] = len(r.Toolchains)
			r.Toolchains = append(r.Toolchains, t)
		case r.Toolchains[i].Fetch == nil:
			r.Toolchains[i].Fetch = t.Fetch
		}
	}
}

// differences says how two runs' matrices differ, as far as their
// results show it.
func differences(a, b *results.Results) []string {
	var out []string
	diff := func(what string, x, y any) {
		xs, ys := fmt.Sprint(x), fmt.Sprint(y)
		if xs != ys {
			out = append(out, fmt.Sprintf("%s: %s vs %s", what, xs, ys))
		}
	}
	diff("runner", a.Runner, b.Runner)
	diff("versions", a.Matrix.Versions, b.Matrix.Versions)
	resolved := func(r *results.Results) map[string][]string {
		m := map[string][]string{}
		for _, t := range r.Toolchains {
			m[t.Selector] = append(m[t.Selector], t.Version)
		}
		return m
	}
	ra, rb := resolved(a), resolved(b)
	for _, sel := range a.Matrix.Versions {
		diff("toolchains of "+sel, ra[sel], rb[sel])
	}
	diff("gomaxprocs", a.Matrix.GOMAXPROCS, b.Matrix.GOMAXPROCS)
	diff("godebug", a.Matrix.GODEBUG, b.Matrix.GODEBUG)
	diff("goexperiment", a.Matrix.GOEXPERIMENT, b.Matrix.GOEXPERIMENT)
	names := func(r *results.Results) []string {
		var n []string
		for _, c := range r.Matrix.Cases {
			n = append(n, c.Name)
		}
		return n
	}
	diff("cases", names(a), names(b))
	diff("timeout", a.Matrix.Timeout, b.Matrix.Timeout)
	diff("repeat", a.Matrix.Repeat, b.Matrix.Repeat)
	diff("env", a.Matrix.Env, b.Matrix.Env)
	diff("-only filters", a.Matrix.Filter, b.Matrix.Filter)
	if len(out) == 0 {
		out = append(out, "the recorded matrices look alike: a case's files, case.yaml, include or exclude must differ")
	}
	return out
}

// merged is results.json as Merged.Marshal writes it: results.Results
// with the fields that sharding adds. Fields here take precedence over
// those of the embedded results.Results with the same JSON key.
type merged struct {
	*results.Results
	MatrixHash string         `json:"matrix_hash,omitempty"`
	SourceHash string         `json:"source_hash,omitempty"`
	Hosts      []results.Host `json:"hosts,omitempty"`
	Merged     []Source       `json:"merged,omitempty"`
	Missing    []string       `json:"missing,omitempty"`
	Duplicates []string       `json:"duplicates,omitempty"`
	Cells      []mergedCell   `json:"cells"`
}

type mergedCell struct {
	results.Cell
	OS string `json:"os,omitempty"` // the host it ran on, in results of several hosts
}

// Marshal returns the merged results.json.
func (m *Merged) Marshal() ([]byte, error) {
	out := merged{Results: m.Results, MatrixHash: m.MatrixHash, SourceHash: m.SourceHash, Hosts: m.Hosts, Merged: m.Inputs, Duplicates: m.Duplicates,
		Missing: append(slices.Clone(m.MissingShards), m.Missing...), Cells: make([]mergedCell, len(m.Results.Cells))}
	for i, c := range m.Results.Cells {
		out.Cells[i].Cell = c
		if i < len(m.OS) {
			out.Cells[i].OS = m.OS[i]
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // as results.Marshal: "<1.14" stays readable
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ByHost splits merged results of several hosts into one results per
// host, each as a run on that host alone would have written it (for
// renderers that do not show the OS axis). With one host it returns
// m.Results alone.
func (m *Merged) ByHost() []*results.Results {
	if len(m.Hosts) < 2 {
		return []*results.Results{m.Results}
	}
	var out []*results.Results
	for _, h := range m.Hosts {
		r := *m.Results
		r.Host = h
		r.Cells = nil
		r.Claims = nil
		name := HostName(h)
		for i, c := range m.Results.Cells {
			if m.OS[i] == name {
				r.Cells = append(r.Cells, c)
			}
		}
		out = append(out, &r)
	}
	return out
}

// Knows reports whether h prices cell c from what it recorded (the cell
// itself, or the same cell on another patch release) rather than from
// its timeout: run -list says how many cells its estimate priced so.
// (It belongs with History, in cost.go.)
func (h *History) Knows(c *matrix.Cell) bool {
	_, ok := h.lookup(c)
	return ok
}
