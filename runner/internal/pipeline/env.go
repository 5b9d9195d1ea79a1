package pipeline

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Version is the runner's version, recorded in every results.json.
const Version = "0.1.0-dev"

// Env is what the pipeline takes from the process it runs in.
type Env struct {
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// Progress receives the toolchain manager's progress (list fetches,
	// downloads); IsTTY says it is a terminal.
	Progress io.Writer
	IsTTY    bool
}

// CacheDir returns the root of the runner's cache: $GOMATRIX_CACHE, or
// gomatrix under os.UserCacheDir. Toolchains live in toolchains/, build
// caches in gocache/, built binaries in builds/, cached results in
// results/.
func (e Env) CacheDir() string {
	if d := e.Getenv("GOMATRIX_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "gomatrix")
	}
	return filepath.Join(os.TempDir(), "gomatrix-cache")
}

// NewManager returns the toolchain manager of e's cache and environment.
// A bad environment variable (GOPROXY, GOMATRIX_SOURCES…) is an
// InputError.
func (e Env) NewManager() (*toolchain.Manager, error) {
	m, err := toolchain.NewManager(e.CacheDir(), e.Getenv)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	// On GitHub Actions the log is not a terminal, whatever it claims.
	m.Progress, m.IsTTY = e.Progress, e.IsTTY && e.Getenv("GITHUB_ACTIONS") != "true"
	return m, nil
}

// SchedulerOptions are the knobs of a scheduler that commands expose.
type SchedulerOptions struct {
	Parallel int  // -p: cores builds and runs may use at once
	Rerun    bool // -rerun: run cells whose result is cached
	// Rebuild builds goexperiment cells before go1.17 with the toolchain
	// rebuilt with the experiment (goexperiment_rebuild, bisect -rebuild).
	Rebuild bool
	// MatrixDir is the matrix file's directory: reproduce commands name
	// case directories relative to it.
	MatrixDir string
}

// NewScheduler returns a scheduler that builds and runs cells with e's
// caches: the build cache, the built binaries and the result cache.
func (e Env) NewScheduler(o SchedulerOptions) *scheduler.Scheduler {
	cacheDir := e.CacheDir()
	return &scheduler.Scheduler{
		Builder:               &build.Builder{CacheDir: cacheDir, NetFrom: func() deps.Net { return deps.NetFromEnv(context.Background(), e.Getenv) }},
		CacheDir:              cacheDir,
		Parallel:              o.Parallel,
		MatrixDir:             o.MatrixDir,
		Results:               &results.Cache{Dir: filepath.Join(cacheDir, "results")},
		Rerun:                 o.Rerun,
		RebuildForExperiments: o.Rebuild,
	}
}
