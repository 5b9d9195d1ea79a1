package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Options say which cells of which matrix a command is about.
type Options struct {
	File string        // -f: the matrix file
	Only matrix.Filter // -only: keep only the cells it matches
	// GOOS and GOARCH are the platform whose releases the versions
	// resolve to ("": this one). Another platform's toolchains are never
	// installed here, so nothing local is used for it.
	GOOS, GOARCH string
	// Shard ("i/N", -shard) keeps only that shard of the plan derived
	// from the cells, priced by From (-from: a previous results.json);
	// PlanID (-plan-id), when set, must be that plan's ID.
	Shard, From, PlanID string
}

// A Run is a prepared run: the matrix, its cases, the resolved
// toolchains and the cells to run, with the hashes that identify them.
type Run struct {
	Matrix  *matrix.Matrix
	Cases   []*matrix.Case
	Manager *toolchain.Manager
	// Toolchains are the resolved versions, one or more per selector;
	// those that could not be resolved have Error set.
	Toolchains []toolchain.Toolchain
	// Problems are the versions that could not be resolved, each
	// naming the matrix position that asked for it. Their cells are
	// skip, with why.
	Problems []string
	// Cells are the cells to run, in matrix order: all of them, less
	// those -only drops, less those of other shards.
	Cells []*matrix.Cell
	// MatrixHash and SourceHash identify the resolved matrix and the
	// matrix as written (see shard.Hash and shard.SourceHash).
	MatrixHash, SourceHash string
	// Plan and Shard are set with Options.Shard: the plan the cells were
	// chosen from, and which shard of it they are.
	Plan  *shard.Plan
	Shard *results.Shard

	env  Env
	only matrix.Filter
}

// LoadMatrix reads the matrix file alone, without its cases: what merge
// needs for the claims.
func LoadMatrix(file string) (*matrix.Matrix, error) {
	m, err := matrix.Load(file)
	return m, inputErr(err)
}

// Load reads the matrix file and its cases.
func Load(file string) (*matrix.Matrix, []*matrix.Case, error) {
	m, err := LoadMatrix(file)
	if err != nil {
		return nil, nil, err
	}
	cases, err := m.LoadCases()
	if err != nil {
		return nil, nil, inputErr(err)
	}
	return m, cases, nil
}

// Prepare loads the matrix, resolves its versions (nothing is
// downloaded but the list of releases), expands its cells and keeps
// those o selects. It is the one way every command derives cells.
func Prepare(ctx context.Context, e Env, o Options) (*Run, error) {
	m, cases, err := Load(o.File)
	if err != nil {
		return nil, err
	}
	if cases, err = e.expandPackages(ctx, cases); err != nil {
		return nil, err
	}
	r := &Run{Matrix: m, Cases: cases, env: e, only: o.Only}
	if r.Manager, err = e.managerFor(o.GOOS, o.GOARCH); err != nil {
		return nil, err
	}
	if err := r.resolve(ctx); err != nil {
		return nil, err
	}
	if err := r.expand(); err != nil {
		return nil, err
	}
	if r.MatrixHash, err = shard.Hash(m, r.Cells); err != nil {
		return nil, err
	}
	if r.SourceHash, err = shard.SourceHash(m, cases, o.Only); err != nil {
		return nil, err
	}
	if o.Shard != "" {
		return r, r.selectShard(o.Shard, o.From, o.PlanID)
	}
	if o.From != "" || o.PlanID != "" {
		return nil, inputErr(errors.New("-from and -plan-id go with -shard"))
	}
	return r, nil
}

// managerFor returns the toolchain manager for goos/goarch.
func (e Env) managerFor(goos, goarch string) (*toolchain.Manager, error) {
	mgr, err := e.NewManager()
	if err != nil {
		return nil, err
	}
	if (goos != "" && goos != runtime.GOOS) || (goarch != "" && goarch != runtime.GOARCH) {
		// Another platform's releases, and none of the toolchains
		// installed here (they are this platform's): a cache of its own.
		mgr.GOOS, mgr.GOARCH = goos, goarch
		mgr.CacheDir = filepath.Join(mgr.CacheDir, "plan", goos+"-"+goarch)
		mgr.SDKDir = ""
	}
	return mgr, nil
}

// resolve resolves the matrix's version selectors, recording those that
// could not be resolved in Problems.
func (r *Run) resolve(ctx context.Context) error {
	tcs, err := r.Manager.Resolve(ctx, r.Matrix.Selectors())
	if err != nil {
		return err
	}
	r.Toolchains = tcs
	for i, sel := range r.Matrix.Versions {
		for _, t := range tcs {
			if t.Selector == sel && t.Error != "" {
				r.Problems = append(r.Problems, fmt.Sprintf("%s: versions[%d]: %s", r.Matrix.VersionPos[i], i, t.Error))
			}
		}
	}
	return nil
}

// bySelector groups the resolved toolchains by the selector that named
// them.
func (r *Run) bySelector() map[string][]toolchain.Toolchain {
	by := map[string][]toolchain.Toolchain{}
	for _, t := range r.Toolchains {
		by[t.Selector] = append(by[t.Selector], t)
	}
	return by
}

// expand expands the cells and applies -only.
func (r *Run) expand() error {
	cells, err := r.Matrix.Expand(r.Cases, r.bySelector())
	if err != nil {
		return inputErr(err)
	}
	if r.only != nil {
		kept := cells[:0]
		for _, c := range cells {
			if r.only.Keep(c) {
				kept = append(kept, c)
			}
		}
		cells = kept
		if len(cells) == 0 {
			return inputErr(errors.New("no cell matches the -only filters\nhint: 'runner -list' shows the cells"))
		}
	}
	r.Cells = cells
	return nil
}
