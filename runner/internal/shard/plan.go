package shard

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
)

// Options are the inputs of a plan besides the cells. A shard job must
// be given the same ones as the plan job (in practice: the same -from
// file) to re-derive the same plan; Plan.ID tells when it did not.
type Options struct {
	// Shards is the number of shards wanted; the plan has
	// min(Shards, MaxJobs, number of cells).
	Shards int
	// History prices cells from a previous run; nil: from their timeouts.
	History *History
	// Model prices the work; nil: DefaultModel, on as many cores as the
	// machine that recorded History had, if it says.
	Model *Model
}

// model returns the Model o plans with.
func (o Options) model() *Model {
	if o.Model != nil {
		return o.Model
	}
	m := DefaultModel
	if n := o.History.Cores(); n > 0 {
		m.Cores = n
	}
	return &m
}

// A Plan assigns every cell of a matrix to exactly one shard.
type Plan struct {
	// ID identifies the assignment (and the matrix): two plans with the
	// same ID run the same cells in the same shards.
	ID string
	// MatrixHash is Hash of the matrix planned.
	MatrixHash string
	Shards     []*Shard
	// Cores is the cores of the machines the costs are for (Model.Cores).
	Cores int
}

// A Shard is the part of a plan one job runs.
type Shard struct {
	Spec Spec
	// Cells are the shard's cells in matrix order; Positions their
	// indexes in the cells the plan was made from.
	Cells     []*matrix.Cell
	Positions []int
	// Versions are the toolchains the shard downloads, ascending; none
	// for cells of local or GOROOT toolchains.
	Versions []string
	// Cost is the shard's expected wall time from an empty cache (see
	// Model and sequence).
	Cost time.Duration
}

// Keys returns the Key of each of the shard's cells.
func (s *Shard) Keys() []string {
	keys := make([]string, len(s.Cells))
	for i, c := range s.Cells {
		keys[i] = CellKey(c)
	}
	return keys
}

// New plans the cells of m (as expanded and filtered) into shards.
//
// The cells are ordered by toolchain, GOEXPERIMENT and case, so that the
// cells sharing a download or a build are adjacent, and the sequence is
// cut into min(opt.Shards, MaxJobs, cells) contiguous shards: a shard
// then needs few toolchains (when there are more shards than toolchains,
// at most two each). The cuts make the costliest shard as cheap as
// contiguous shards allow (see sequence.cuts), then even out the others:
// each boundary moves to wherever the larger of its two shards is
// smallest, until none moves.
func New(m *matrix.Matrix, cells []*matrix.Cell, opt Options) (*Plan, error) {
	if len(cells) == 0 {
		return nil, errors.New("plan: the matrix has no cells")
	}
	if opt.Shards < 1 {
		return nil, fmt.Errorf("plan: %d shards: want at least 1", opt.Shards)
	}
	hash, err := Hash(m, cells)
	if err != nil {
		return nil, err
	}
	model := opt.model()
	items := make([]item, len(cells))
	for i, c := range cells {
		items[i] = newItem(i, c, opt.History, model, m.GOEXPERIMENTRebuild)
	}
	sortItems(items)

	k := min(opt.Shards, MaxJobs, len(items))
	seq := newSequence(items, model)
	cuts := seq.cuts(k)
	seq.smooth(cuts)

	p := &Plan{MatrixHash: hash, Cores: model.Cores}
	id := sha256.New()
	fmt.Fprintf(id, "plan 1\n%s\n%d\n", hash, len(cuts)-1)
	for j := range len(cuts) - 1 {
		a, b := cuts[j], cuts[j+1]
		s := &Shard{Spec: Spec{Index: j + 1, Count: len(cuts) - 1}, Cost: seq.cost(a, b)}
		part := slices.Clone(items[a:b])
		slices.SortFunc(part, func(x, y item) int { return cmp.Compare(x.pos, y.pos) })
		for _, it := range part {
			s.Cells = append(s.Cells, it.cell)
			s.Positions = append(s.Positions, it.pos)
			if v := it.needs[needDownload].key; v != "" && !slices.Contains(s.Versions, v) {
				s.Versions = append(s.Versions, v)
			}
			id.Write(strconv.AppendInt(nil, int64(it.pos), 10))
			id.Write([]byte{' '})
		}
		slices.SortFunc(s.Versions, gover.Compare)
		id.Write([]byte{'\n'})
		p.Shards = append(p.Shards, s)
	}
	p.ID = hex.EncodeToString(id.Sum(nil))[:16]
	return p, nil
}

// Shard returns the shard s names, checking that s is of this plan.
func (p *Plan) Shard(s Spec) (*Shard, error) {
	if s.Count != len(p.Shards) {
		return nil, fmt.Errorf("shard %s: this matrix plans into %d shards, not %d\nhint: pass the shard value gomatrix plan printed, and the same -from and -only flags", s, len(p.Shards), s.Count)
	}
	return p.Shards[s.Index-1], nil
}

// Costs returns the expected cost of the largest shard and the mean.
func (p *Plan) Costs() (largest, mean time.Duration) {
	var total time.Duration
	for _, s := range p.Shards {
		total += s.Cost
		largest = max(largest, s.Cost)
	}
	return largest, total / time.Duration(len(p.Shards))
}

// sortItems orders cells so that those sharing a need are adjacent: by
// toolchain (ascending version; unresolved ones last, by selector),
// GOEXPERIMENT, case, env, then the other axes and matrix position.
func sortItems(items []item) {
	type tc struct{ version, selector string }
	rank := map[tc]int{}
	for _, it := range items {
		rank[tc{it.cell.Toolchain.Version, it.cell.Toolchain.Selector}] = 0
	}
	tcs := slices.Collect(maps.Keys(rank))
	slices.SortFunc(tcs, func(a, b tc) int {
		if (a.version == "") != (b.version == "") {
			if a.version == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(gover.Compare(a.version, b.version), cmp.Compare(a.version, b.version), cmp.Compare(a.selector, b.selector))
	})
	for i, t := range tcs {
		rank[t] = i
	}
	for i := range items {
		t := items[i].cell.Toolchain
		items[i].rank = rank[tc{t.Version, t.Selector}]
	}
	slices.SortFunc(items, func(a, b item) int {
		ca, cb := a.cell, b.cell
		return cmp.Or(
			cmp.Compare(a.rank, b.rank),
			cmp.Compare(ca.GOEXPERIMENT, cb.GOEXPERIMENT),
			cmp.Compare(ca.Case.Name, cb.Case.Name),
			cmp.Compare(a.needs[needBuild].key, b.needs[needBuild].key), // env, for cells that run
			cmp.Compare(ca.GOMAXPROCS, cb.GOMAXPROCS),
			cmp.Compare(ca.GODEBUG, cb.GODEBUG),
			cmp.Compare(a.pos, b.pos),
		)
	})
}

// A sequence prices contiguous runs of ordered items in constant time,
// as the runner does a shard's work (see Model): the shard's toolchains
// download in order, Lanes at once, and the cores work through the
// toolchains' builds and runs in the same order, each toolchain's once it
// has arrived. With release time r_i (when item i's toolchain has
// arrived) and the work from i to the end W_i (core time), the shard ends
// at max over i of r_i + W_i / cores: the work cannot start before the
// first toolchain is there, nor the last toolchain's work before it is.
//
// Arithmetic is in integers scaled by lanes × cores, so that planning is
// exactly reproducible.
type sequence struct {
	n            int
	lanes, cores int64
	// wp[i] is the core time of items[:i] as one shard (runs, and needs
	// not shared with the cell before in the order); dp[i] the downloads
	// of items[:i] that way.
	wp, dp []int64
	// first[i] is the first non-skip item at or after i; fullD[i] the
	// download item i needs, shared or not, and extraW[i] the core time
	// of the needs it shares with the cell before it, which a shard
	// starting at it pays too.
	first         []int
	fullD, extraW []int64
	// g holds g(i) = dp[i+1]·cores − wp[i]·lanes for range maxima.
	g *sparseMax
}

func newSequence(items []item, m *Model) *sequence {
	n := len(items)
	s := &sequence{n: n, lanes: int64(max(m.Lanes, 1)), cores: int64(max(m.Cores, 1)),
		wp: make([]int64, n+1), dp: make([]int64, n+1), first: make([]int, n+1), fullD: make([]int64, n), extraW: make([]int64, n)}
	prev := -1
	for i, it := range items {
		var incW, incD int64
		if !it.skip {
			for k := range numNeeds {
				nd := it.needs[k]
				if nd.key == "" {
					continue
				}
				shared := prev >= 0 && items[prev].needs[k].key == nd.key
				switch {
				case k == needDownload:
					s.fullD[i] = int64(nd.cost)
					if !shared {
						incD = int64(nd.cost)
					}
				case shared:
					s.extraW[i] += int64(nd.cost)
				default:
					incW += int64(nd.cost)
				}
			}
			prev = i
		}
		s.wp[i+1] = s.wp[i] + int64(it.work) + incW
		s.dp[i+1] = s.dp[i] + incD
	}
	next := n
	s.first[n] = n
	for i := n - 1; i >= 0; i-- {
		if !items[i].skip {
			next = i
		}
		s.first[i] = next
	}
	g := make([]int64, n)
	for i := range g {
		g[i] = s.dp[i+1]*s.cores - s.wp[i]*s.lanes
	}
	s.g = newSparseMax(g)
	return s
}

// cost is the expected wall time of a shard of items[a:b]: see sequence.
// Item f, the first that runs, waits for its own download, all of it;
// each later item i for the downloads up to its own, shared by the lanes.
func (s *sequence) cost(a, b int) time.Duration {
	f := s.first[a]
	if f >= b {
		return 0
	}
	scale := s.lanes * s.cores
	c := s.fullD[f]*scale + s.wp[b]*s.lanes
	m := (s.extraW[f] - s.wp[f]) * s.lanes
	if f+1 < b {
		m = max(m, s.g.max(f+1, b)-s.dp[f+1]*s.cores)
	}
	return time.Duration((c + m) / scale)
}

// A sparseMax answers range maxima of a fixed slice in constant time.
type sparseMax struct{ levels [][]int64 }

func newSparseMax(v []int64) *sparseMax {
	sm := &sparseMax{levels: [][]int64{v}}
	for w := 1; 2*w <= len(v); w *= 2 {
		prev := sm.levels[len(sm.levels)-1]
		next := make([]int64, len(prev)-w)
		for i := range next {
			next[i] = max(prev[i], prev[i+w])
		}
		sm.levels = append(sm.levels, next)
	}
	return sm
}

// max returns the maximum of v[a:b], a < b.
func (sm *sparseMax) max(a, b int) int64 {
	k := bits.Len(uint(b-a)) - 1
	return max(sm.levels[k][a], sm.levels[k][b-(1<<k)])
}

// cuts returns the boundaries of at most k shards, 0 … n, none empty,
// whose largest costs the least possible: the smallest capacity with
// which packing the items in order, each shard as full as it allows,
// needs no more than k shards (found by bisection). Packing leaves
// the last shard small and may take fewer than k; the costliest shards
// are then split in two until there are k (k ≤ n), so that a plan asked
// for k shards always has exactly k, and a shard job re-deriving the
// plan from "i/k" gets the same one.
func (s *sequence) cuts(k int) []int {
	var lo time.Duration // no shard can cost less than its costliest cell
	for i := range s.n {
		lo = max(lo, s.cost(i, i+1))
	}
	hi := s.cost(0, s.n)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if len(s.pack(mid, k)) <= k+1 {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	cuts := s.pack(lo, k)
	for len(cuts)-1 < k {
		// The costliest shard that has two cells to split: there is
		// one, since k ≤ n.
		j, worst := -1, time.Duration(-1)
		for i := 0; i+1 < len(cuts); i++ {
			if c := s.cost(cuts[i], cuts[i+1]); cuts[i+1]-cuts[i] >= 2 && c > worst {
				j, worst = i, c
			}
		}
		if j < 0 {
			break
		}
		x, _ := s.split(cuts[j], cuts[j+1])
		cuts = slices.Insert(cuts, j+1, x)
	}
	return cuts
}

// pack returns the boundaries of shards packed in order, each as full as
// capacity allows (a cell costlier than it alone), stopping once it has
// more than k shards.
func (s *sequence) pack(capacity time.Duration, k int) []int {
	cuts := []int{0}
	for a := 0; a < s.n && len(cuts) <= k+1; {
		b := a + 1
		for b < s.n && s.cost(a, b+1) <= capacity {
			b++
		}
		cuts = append(cuts, b)
		a = b
	}
	return cuts
}

// split returns where to cut items[a:b] (b-a ≥ 2) so that the larger
// part costs least, and that cost.
func (s *sequence) split(a, b int) (int, time.Duration) {
	best, bestCost := a+1, time.Duration(math.MaxInt64)
	for x := a + 1; x < b; x++ {
		if c := max(s.cost(a, x), s.cost(x, b)); c < bestCost {
			best, bestCost = x, c
		}
	}
	return best, bestCost
}

// smooth moves each inner boundary to where the larger of its two shards
// is smallest, sweeping until no boundary moves (or the work allowed is
// spent: each sweep scans every item about twice).
func (s *sequence) smooth(cuts []int) {
	k := len(cuts) - 1
	sweeps := max(8, min(4*k, 50_000_000/max(s.n, 1)))
	for range sweeps {
		moved := false
		for j := 1; j < k; j++ {
			a, b := cuts[j-1], cuts[j+1]
			best := cuts[j]
			bestCost := max(s.cost(a, best), s.cost(best, b))
			for x := a + 1; x < b; x++ {
				if c := max(s.cost(a, x), s.cost(x, b)); c < bestCost {
					best, bestCost = x, c
				}
			}
			if best != cuts[j] {
				cuts[j] = best
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}
