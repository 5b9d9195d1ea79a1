package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

// previousResults returns the results in the output directory that a run
// would replace, or nil when there are none. Unless -replace, it refuses
// those of another matrix file (an edited matrix file is the same
// matrix) and those it cannot read, whose matrix it cannot tell: a run
// never silently replaces another matrix's results.
func previousResults(f *runFlags) (*results.Results, error) {
	path := filepath.Join(f.out, "results.json")
	prev, err := results.Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist), err != nil && f.replace:
		return nil, nil
	case err != nil:
		return nil, usagef("%v\nhint: which matrix it is of cannot be told, so it is not replaced: -replace replaces it, -o DIR writes elsewhere", err)
	case f.replace:
		return prev, nil
	}
	return prev, checkMatrixFile(prev, path, f.out, f.File)
}

// checkMatrixFile refuses the results prev, read from path in dir, unless
// they record the matrix file file (see pipeline.MatrixFile).
func checkMatrixFile(prev *results.Results, path, dir, file string) error {
	recorded := recordedMatrix(prev.Matrix.File, dir)
	if prev.Matrix.File != "" && sameFile(recorded, file) {
		return nil
	}
	of := "a matrix it does not name"
	if prev.Matrix.File != "" {
		cwd, _ := os.Getwd()
		of = "matrix " + displayPath(cwd, recorded)
	}
	return usagef("%s holds the results of %s, not of %s, and a run does not replace another matrix's results\nhint: write these elsewhere with -o DIR, or replace those with -replace", path, of, file)
}

// recordedMatrix returns the path of the matrix file that results in dir
// record (see pipeline.MatrixFileOf). When no file is there, the record
// may be of an earlier runner, which recorded the file as named, from
// the directory it ran in, most often this one: that file, if it exists.
func recordedMatrix(recorded, dir string) string {
	p, legacy := pipeline.MatrixFileOf(recorded, dir), filepath.FromSlash(recorded)
	if _, err := os.Stat(p); err != nil && !filepath.IsAbs(legacy) {
		if _, err := os.Stat(legacy); err == nil {
			return legacy
		}
	}
	return p
}

// sameFile reports whether paths a and b name the same file.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// An update is a run with -only whose output directory holds results of
// the same matrix: it writes the union of those and its own cells (see
// union), so that running some cells again does not lose the others.
type update struct {
	from  string // the results.json updated, for messages
	m     *matrix.Matrix
	cases []*matrix.Case
	all   []*matrix.Cell // every cell of the matrix, in order
	keys  []string       // the key of each (see cellKeys)
	// kept are the previous cells the matrix still has, by key: each is
	// written until this run gives the cell; dropped counts those it no
	// longer has.
	kept    map[string]results.Cell
	dropped int
	// current: the previous cells ran with the inputs the matrix gives
	// them now (the hash of the resolved matrix they record is that of
	// the same cells now).
	current bool

	// Of the last union: this run's cells, and how many were kept.
	ran   []results.Cell
	keptN int
}

// newUpdate returns the update of prev by the run r, or nil when r
// replaces its output directory's results: without -only, with -shard
// (a shard's results are its cells, for merge) or -replace, or with no
// previous results.
func newUpdate(f *runFlags, r *pipeline.Run, prev *results.Results) (*update, error) {
	if prev == nil || f.Only == nil || f.Shard != "" || f.replace {
		return nil, nil
	}
	u := &update{from: filepath.Join(f.out, "results.json"), m: r.Matrix, cases: r.Cases, kept: map[string]results.Cell{}}
	if err := u.checkHost(prev); err != nil {
		return nil, err
	}
	var err error
	if u.all, err = r.MatrixCells(); err != nil {
		return nil, err
	}
	u.keys = cellKeys(u.all)
	at := make(map[string]int, len(u.keys))
	for i, k := range u.keys {
		at[k] = i
	}
	prevKeys := resultKeys(prev.Cells)
	for i, k := range prevKeys {
		if _, ok := at[k]; ok {
			u.kept[k] = prev.Cells[i]
		} else {
			u.dropped++
		}
	}
	u.current = u.dropped == 0 && u.sameInputs(prev.MatrixHash, prevKeys, at)
	return u, nil
}

// checkHost refuses to update results of another host: the cells would
// not say which host they ran on.
func (u *update) checkHost(prev *results.Results) error {
	host := results.Host{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU()}
	if len(prev.Hosts) == 0 && prev.Host == host {
		return nil
	}
	return usagef("%s holds results of %s, and this is %s: -only would mix their cells with this host's\nhint: -replace writes this run's cells alone; -o DIR writes elsewhere", u.from, hostsOf(prev), hostText(host))
}

func hostsOf(r *results.Results) string {
	if len(r.Hosts) == 0 {
		return hostText(r.Host)
	}
	s := ""
	for i, h := range r.Hosts {
		if i > 0 {
			s += " and "
		}
		s += hostText(h)
	}
	return s
}

func hostText(h results.Host) string {
	return fmt.Sprintf("%s/%s with %d CPUs", h.GOOS, h.GOARCH, h.CPUs)
}

// sameInputs reports whether hash, that of the previous cells (keys),
// is the hash of the same cells of the matrix now, at their positions in
// u.all: nothing that decides their results changed since they ran.
func (u *update) sameInputs(hash string, keys []string, at map[string]int) bool {
	if hash == "" {
		return false
	}
	cells := make([]*matrix.Cell, len(keys))
	for i, k := range keys {
		cells[i] = u.all[at[k]]
	}
	h, err := shard.Hash(u.m, cells)
	return err == nil && h == hash
}

// union returns the results to write: those of this run, res, with the
// previous cells it has not run (yet), in matrix order, evaluated again
// as a whole (pipeline.Evaluate). It does not modify res.
func (u *update) union(res *results.Results) *results.Results {
	mine := map[string]results.Cell{}
	for i, k := range resultKeys(res.Cells) {
		mine[k] = res.Cells[i]
	}
	out := *res
	out.Cells = make([]results.Cell, 0, len(u.all))
	present := make([]bool, len(u.all))
	u.ran, u.keptN = nil, 0
	for i, k := range u.keys {
		c, ok := mine[k]
		if ok {
			u.ran = append(u.ran, c)
		} else if c, ok = u.kept[k]; ok {
			u.keptN++
		}
		if ok {
			out.Cells = append(out.Cells, c)
			present[i] = true
		}
	}
	u.record(&out, present, res.Complete)
	pipeline.Evaluate(&out, u.m.Claims)
	return &out
}

// record sets what out records of the matrix its cells are of: the
// filter that keeps exactly them (none: the whole matrix); incomplete,
// when no filter does (cells that neither run gave) or the run was
// interrupted; the hashes of the inputs, when every cell ran with the
// inputs as they are now, else none.
func (u *update) record(out *results.Results, present []bool, complete bool) {
	f, exact := coverFilter(u.all, present)
	out.Matrix.Filter = pipeline.FilterFlags(f)
	out.Complete = complete && exact
	out.MatrixHash, out.SourceHash = "", ""
	if !u.current {
		return
	}
	var cells []*matrix.Cell
	for i, c := range u.all {
		if present[i] {
			cells = append(cells, c)
		}
	}
	if h, err := shard.Hash(u.m, cells); err == nil {
		out.MatrixHash = h
	}
	if h, err := shard.SourceHash(u.m, u.cases, f); err == nil {
		out.SourceHash = h
	}
}

// lines says what the update wrote, for the summary of the run whose
// written results are res.
func (u *update) lines(res *results.Results) []string {
	s := fmt.Sprintf("updated %s: %d cells from this run, %d kept from the previous results", u.from, len(u.ran), u.keptN)
	if u.dropped > 0 {
		s += fmt.Sprintf(", %d dropped (no longer in the matrix)", u.dropped)
	}
	out := []string{fmt.Sprintf("%s; it holds %d cells: %s", s, len(res.Cells), summary(res.Cells))}
	if missing := len(u.all) - len(res.Cells); missing > 0 && res.Matrix.Filter == nil {
		out = append(out, fmt.Sprintf("note: the results lack %s of the matrix (in neither), so they are marked incomplete; a run without -only gives them all", plural(missing, "cell")))
	}
	if u.keptN > 0 && !u.current {
		out = append(out, fmt.Sprintf("note: the %d kept cells may have run with other inputs than the matrix and its cases give them now (nothing tells), so the results record no matrix hash; a run without -only brings them up to date", u.keptN))
	}
	return out
}

// coverFilter returns the filter that keeps exactly the cells of all
// that present marks, nil when that is all of them, and whether there is
// one: the union of two runs' cells need not be what a filter keeps.
func coverFilter(all []*matrix.Cell, present []bool) (matrix.Filter, bool) {
	if !slices.Contains(present, true) {
		return nil, false
	}
	f := matrix.Filter{}
	for _, k := range matrix.AxisKeys {
		var in, every []string
		for i, c := range all {
			v := axisValue(c, k)
			if !slices.Contains(every, v) {
				every = append(every, v)
			}
			if present[i] && !slices.Contains(in, v) {
				in = append(in, v)
			}
		}
		if len(in) < len(every) {
			f[k] = in
		}
	}
	for i, c := range all {
		if f.Keep(c) != present[i] {
			return nil, false
		}
	}
	if len(f) == 0 {
		return nil, true
	}
	return f, true
}

// axisValue is the value of cell c on the axis key k, as a filter names it.
func axisValue(c *matrix.Cell, k string) string {
	switch k {
	case matrix.KeyCase:
		return c.Case.Name
	case matrix.KeyVersion:
		if c.Toolchain.Version != "" {
			return c.Toolchain.Version
		}
		return c.Toolchain.Selector
	case matrix.KeyGOMAXPROCS:
		return strconv.Itoa(c.GOMAXPROCS)
	case matrix.KeyGODEBUG:
		return c.GODEBUG
	case matrix.KeyGOEXPERIMENT:
		return c.GOEXPERIMENT
	case matrix.KeyGoLine:
		return c.GoLine
	}
	return ""
}

// cellKeys returns the key of each cell (shard.CellKey), numbered when a
// key occurs more than once, as resultKeys numbers the cells' results.
func cellKeys(cells []*matrix.Cell) []string {
	keys := make([]string, len(cells))
	for i, c := range cells {
		keys[i] = shard.CellKey(c)
	}
	return numbered(keys)
}

// resultKeys returns the key of each result (shard.ResultKey), numbered
// as cellKeys numbers them.
func resultKeys(cells []results.Cell) []string {
	keys := make([]string, len(cells))
	for i := range cells {
		keys[i] = shard.ResultKey(&cells[i])
	}
	return numbered(keys)
}

// numbered appends to each key its occurrence among keys: two include
// entries may give one cell twice, with different env.
func numbered(keys []string) []string {
	seen := map[string]int{}
	for i, k := range keys {
		keys[i] = k + "#" + strconv.Itoa(seen[k])
		seen[k]++
	}
	return keys
}
