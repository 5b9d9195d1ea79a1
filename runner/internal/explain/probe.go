package explain

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// probeOutputLimit bounds what a probe keeps of each output stream of
// the program: match lines must reach bisect.
const probeOutputLimit = 4 << 20

// A Spec is what every probe builds and runs: the base cell, the mode of
// the change bisect varies, and the outcome with no change enabled.
// explain writes it as JSON for 'gomatrix explain -probe FILE'.
type Spec struct {
	CaseDir      string              `json:"case_dir"`
	Toolchain    toolchain.Toolchain `json:"toolchain"`
	GOMAXPROCS   int                 `json:"gomaxprocs,omitempty"`
	GODEBUG      string              `json:"godebug,omitempty"`
	GOEXPERIMENT string              `json:"goexperiment,omitempty"`
	GoLine       string              `json:"go_line,omitempty"`
	Env          []string            `json:"env,omitempty"`
	Timeout      time.Duration       `json:"timeout"`
	BuildTimeout time.Duration       `json:"build_timeout"`
	MemoryLimit  int64               `json:"memory_limit,omitempty"`
	Mode         Mode                `json:"mode"`
	// AllPackages applies a compiler change to every package the build
	// compiles, std and dependencies too, as GOCOMPILEDEBUG does. By
	// default only the case's own packages get it: a go line is theirs
	// alone, and std is then not compiled again for every probe.
	AllPackages bool `json:"all_packages,omitempty"`
	// Baseline is the outcome with no change enabled: a probe with
	// another outcome fails.
	Baseline string `json:"baseline"`
	CacheDir string `json:"cache_dir"`
}

// NewSpec returns the spec of probes of cell c (the pair's base cell,
// from the matrix) with the pair's change.
func NewSpec(c *matrix.Cell, p Pair, cacheDir string, all bool) Spec {
	return Spec{
		CaseDir: c.Case.Dir, Toolchain: c.Toolchain,
		GOMAXPROCS: c.GOMAXPROCS, GODEBUG: p.Base.GODEBUG, GOEXPERIMENT: c.GOEXPERIMENT, GoLine: c.GoLine,
		Env: c.Env, Timeout: c.Timeout, BuildTimeout: c.BuildTimeout, MemoryLimit: c.MemoryLimit,
		Mode: p.Change.Mode, AllPackages: all, Baseline: p.Base.Outcome, CacheDir: cacheDir,
	}
}

// WriteSpec writes s as JSON to path.
func WriteSpec(path string, s Spec) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// ReadSpec reads a spec WriteSpec wrote.
func ReadSpec(path string) (Spec, error) {
	var s Spec
	data, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("probe spec: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("probe spec %s: %w", path, err)
	}
	if s.CaseDir == "" || s.Toolchain.GOROOT == "" || s.Timeout <= 0 || s.BuildTimeout <= 0 {
		return s, fmt.Errorf("probe spec %s: incomplete", path)
	}
	return s, nil
}

// Probe builds and runs the spec's cell once, with the change pattern
// bisect put in the environment (getenv): GODEBUG=name=value#PATTERN
// for the program, or GOCOMPILEDEBUG=loopvarhash=PATTERN for the
// compiler. It writes the build's and the program's output to w, the
// match lines among them, and returns the outcome.
func Probe(ctx context.Context, b scheduler.Builder, s Spec, getenv func(string) string, w io.Writer) (string, error) {
	c, err := s.cell(getenv)
	if err != nil {
		return "", err
	}
	req := s.request(c, getenv)
	res, err := b.Build(ctx, req, 0)
	if err != nil {
		return "", err
	}
	defer s.cleanup(req)
	io.WriteString(w, rewritePaths(res.Output, res, c.Case))
	if res.Binary == "" {
		fmt.Fprintf(w, "explain probe: build error: %s\n", res.Error)
		return results.BuildError, nil
	}
	r, err := runOnce(ctx, c, res.Binary, s.CacheDir)
	if err != nil {
		return "", err
	}
	for _, o := range []results.Output{r.Stdout, r.Stderr} {
		io.WriteString(w, rewritePaths(o.Head+o.Tail, res, c.Case))
	}
	fmt.Fprintf(w, "\nexplain probe: %s (%s); with no change enabled: %s\n", r.Outcome, r.Reason, s.Baseline)
	return r.Outcome, nil
}

// cell is the matrix cell of s, its GODEBUG with the one bisect set.
func (s Spec) cell(getenv func(string) string) (*matrix.Cell, error) {
	cs, err := matrix.LoadCase(s.CaseDir)
	if err != nil {
		return nil, err
	}
	c := &matrix.Cell{
		Case: cs, Toolchain: s.Toolchain, GOMAXPROCS: s.GOMAXPROCS, GODEBUG: s.GODEBUG,
		GOEXPERIMENT: s.GOEXPERIMENT, GoLine: s.GoLine, Env: s.Env,
		Timeout: s.Timeout, BuildTimeout: s.BuildTimeout, Repeat: 1, MemoryLimit: s.MemoryLimit,
	}
	if s.Mode == GODEBUG {
		c.GODEBUG = joinList(c.GODEBUG, getenv("GODEBUG"))
	}
	return c, nil
}

// request is the build of c, with bisect's compiler pattern.
func (s Spec) request(c *matrix.Cell, getenv func(string) string) build.Request {
	env := c.Env
	if s.Mode == Compile {
		env = CompileEnv(env, getenv("GOCOMPILEDEBUG"), s.AllPackages)
	}
	return build.Request{
		Case: c.Case, Toolchain: c.Toolchain, GOEXPERIMENT: c.GOEXPERIMENT,
		Env: env, Timeout: c.BuildTimeout, GoLine: c.GoLine,
	}
}

// CompileEnv returns the build env env with the compiler debug flags
// debug (GOCOMPILEDEBUG's value, "loopvarhash=PATTERN"): for every
// package as GOCOMPILEDEBUG, when all; else for the case's own packages,
// as -gcflags=./...=-d=debug in GOFLAGS. GOFLAGS gets -trimpath too:
// the compiler hashes a loop's file by its full path, and the copy of
// the case is built in a directory of its own per pattern, so without
// it no loop would keep its hash from one probe to the next.
func CompileEnv(env []string, debug string, all bool) []string {
	out := slices.Clone(env)
	if debug == "" {
		return out
	}
	flags := "-trimpath -gcflags=./...=-d=" + debug
	if all {
		flags = "-trimpath"
		out = append(out, "GOCOMPILEDEBUG="+debug)
	}
	for i := len(out) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(out[i], "GOFLAGS="); ok {
			out[i] = "GOFLAGS=" + strings.TrimSpace(v+" "+flags)
			return out
		}
	}
	return append(out, "GOFLAGS="+flags)
}

// cleanup removes the binary of a build made for one compiler pattern:
// it is never built again, and every probe makes one.
func (s Spec) cleanup(req build.Request) {
	if s.Mode == Compile && !slices.Equal(req.Env, s.Env) {
		os.RemoveAll(filepath.Join(s.CacheDir, "builds", req.Key()))
	}
}

// runOnce runs c's binary once, as the scheduler runs a cell.
func runOnce(ctx context.Context, c *matrix.Cell, bin, cacheDir string) (run.Result, error) {
	r, err := run.Cell(ctx, run.Spec{
		Path: bin, Args: c.Case.Args, Dir: c.Case.Dir,
		Env:     scheduler.RunEnv(c, cacheDir),
		Timeout: c.Timeout, CompleteOn: c.Case.CompleteOn, CompleteStream: c.Case.CompleteStream,
		MemoryLimit: c.MemoryLimit, OutputLimit: probeOutputLimit,
	})
	if err != nil && ctx.Err() == nil {
		// The binary could not be started: a fail, as the scheduler says.
		return run.Result{Outcome: results.Fail, Reason: "start: " + err.Error()}, nil
	}
	return r, err
}

// rewritePaths names the files of the build's copy of the case as the
// case's own: "./main.go:10:6" (the go command's name for dir/main.go),
// "matrixcase/loopvar/main.go:10:6" (with -trimpath, by module path), or
// dir/main.go in a call stack.
func rewritePaths(out string, res build.Result, c *matrix.Case) string {
	if out == "" || res.Dir == "" || !c.HasProgram {
		return out
	}
	sep := string(filepath.Separator)
	out = strings.ReplaceAll(out, res.Dir+sep, c.Dir+sep)
	prefixes := []string{"./"}
	if mod := modfile.ModulePath([]byte(res.GoMod)); mod != "" {
		prefixes = append(prefixes, mod+"/")
	}
	var b strings.Builder
	for line := range strings.Lines(out) {
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(line, p); ok {
				line = c.Dir + sep + rest
				break
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// joinList joins comma-separated lists, leaving out empty ones.
func joinList(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "," + b
}
