package scheduler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sort"
	"strconv"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// stdKey says which builds share a compiled std.
func stdKey(r build.Request) string {
	env := append([]string(nil), r.Env...)
	sort.Strings(env)
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q", r.Toolchain.GOROOT, r.Toolchain.Version, r.GOEXPERIMENT, env)
}

// CacheKey is the result-cache key of c: a hash of everything that can
// change its result — the runner's own code, the machine's shape, the
// toolchain, the case's files and settings, the cell's settings, timeout
// and repeats.
func CacheKey(c *matrix.Cell) string {
	h := sha256.New()
	fmt.Fprintf(h, "runner %s\nhost %s/%s %d\n", results.RunnerID(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(h, "toolchain %s %s\n", c.Toolchain.Version, c.Toolchain.GOROOT)
	cs := c.Case
	complete := "exit"
	if cs.CompleteOn != nil {
		complete = cs.CompleteOn.String()
	}
	fmt.Fprintf(h, "case %s %s %q %q %q %q\n", cs.Dir, cs.Hash, complete, cs.CompleteStream, cs.Args, cs.Tags)
	env := append([]string(nil), c.Env...)
	sort.Strings(env)
	fmt.Fprintf(h, "env %q\ncell %d %q %q %s %d %d\n", env, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.Timeout, c.Repeat, c.MemoryLimit)
	if c.GoLine != "" || cs.Module.Path != "" {
		fmt.Fprintf(h, "go_line %q module %s %s\n", c.GoLine, cs.Module, cs.Package)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RunEnv is the environment a cell's binary runs in: the toolchain's
// clean environment, the cell's env, then GOMAXPROCS and GODEBUG, each
// left unset when the axis value is.
func RunEnv(c *matrix.Cell, cacheDir string) []string {
	extra := append([]string(nil), c.Env...)
	if c.GOMAXPROCS > 0 {
		extra = append(extra, "GOMAXPROCS="+strconv.Itoa(c.GOMAXPROCS))
	}
	if c.GODEBUG != "" {
		extra = append(extra, "GODEBUG="+c.GODEBUG)
	}
	return toolchain.Env(c.Toolchain, cacheDir, extra)
}
