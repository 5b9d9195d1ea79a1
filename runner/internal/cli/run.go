package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gomatrix/runner/internal/build"
	"gomatrix/runner/internal/claim"
	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/progress"
	"gomatrix/runner/internal/results"
	"gomatrix/runner/internal/scheduler"
	"gomatrix/runner/internal/shard"
	"gomatrix/runner/internal/toolchain"
)

// Version is the runner's version, recorded in every results.json.
const Version = "0.1.0-dev"

// filterFlag collects repeated --only key=value flags.
type filterFlag struct{ f matrix.Filter }

func (f *filterFlag) String() string { return "" }
func (f *filterFlag) Set(s string) error {
	if f.f == nil {
		f.f = matrix.Filter{}
	}
	return f.f.Add(s)
}

func cmdRun(ctx context.Context, e *Env, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	file := fs.String("f", "matrix.yaml", "the matrix `file`")
	outDir := fs.String("o", "results", "write results.json and results.md to this `dir`ectory")
	par := fs.Int("p", runtime.NumCPU(), "cores cells may use at once; a cell with GOMAXPROCS=n takes min(n, p)")
	list := fs.Bool("list", false, "print the cells without building or running anything")
	quiet := fs.Bool("q", false, "print only the summary, not a line per cell")
	shardFlag := fs.String("shard", "", "run only shard `i/N` of the plan 'runner plan' printed (with the same -f, -only and -from)")
	planID := fs.String("plan-id", "", "with -shard: refuse to run unless the plan derived here has this `id` (the job's \"plan\")")
	from := fs.String("from", "", "with -shard: the previous `results.json` the plan was priced from (runner plan -from)")
	jsonOut := fs.Bool("json", false, "print one JSON event per line on stdout as the run goes (see go doc ./runner/internal/progress)")
	rerun := fs.Bool("rerun", false, "run every cell again, even those whose inputs have not changed since a cached result")
	var only filterFlag
	fs.Var(&only, "only", "run only cells matching `key=value` (keys: case, version, gomaxprocs, godebug, goexperiment);\nrepeat the flag: the same key gives alternatives, different keys must all match")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: runner [run] [-f matrix.yaml] [-o results] [-p N] [-list] [-only key=value]...

Reads the matrix file, resolves its toolchains (fetching those not yet
cached), builds each case once per toolchain × GOEXPERIMENT, runs every
cell in a clean environment and writes DIR/results.json (the source of
truth) and DIR/results.md. Ctrl-C stops every process and still writes
the cells that finished, marked incomplete.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "runner run: unexpected argument %q\nhint: name the matrix with -f\n", fs.Arg(0))
		return ExitUsage
	}
	if *par < 1 {
		fmt.Fprintf(e.Stderr, "runner run: -p %d: want at least 1\n", *par)
		return ExitUsage
	}

	m, err := matrix.Load(*file)
	if err != nil {
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return ExitUsage
	}
	cases, err := m.LoadCases()
	if err != nil {
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return ExitUsage
	}

	cacheDir := e.CacheDir()
	mgr, err := toolchain.NewManager(cacheDir, e.Getenv)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner: %v\n", err)
		return ExitUsage
	}
	rep := progress.New(progress.Options{
		Stderr: e.Stderr, Stdout: e.Stdout, IsTTY: e.IsTTY, JSON: *jsonOut, Quiet: *quiet, Getenv: e.Getenv,
		FullReport: filepath.Join(*outDir, "index.html") + " and " + filepath.Join(*outDir, "results.json"),
	})
	// From here until rep.Finish, everything printed goes through rep, so
	// a live status line on a terminal is cleared first.
	stderr := rep.Writer()
	mgr.Progress, mgr.IsTTY = stderr, e.IsTTY && e.Getenv("GITHUB_ACTIONS") != "true"
	resolved, err := mgr.Resolve(ctx, m.Selectors())
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return ExitFailure
	}
	bySel := map[string][]toolchain.Toolchain{}
	for _, t := range resolved {
		bySel[t.Selector] = append(bySel[t.Selector], t)
	}
	status := ExitOK
	for i, sel := range m.Versions {
		for _, t := range bySel[sel] {
			if t.Error != "" {
				fmt.Fprintf(stderr, "%s: versions[%d]: %s\n", m.VersionPos[i], i, t.Error)
				status = ExitFailure
			}
		}
	}

	cells, err := m.Expand(cases, bySel)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return ExitUsage
	}
	if only.f != nil {
		kept := cells[:0]
		for _, c := range cells {
			if only.f.Keep(c) {
				kept = append(kept, c)
			}
		}
		cells = kept
		if len(cells) == 0 {
			fmt.Fprintf(stderr, "runner: no cell matches the -only filters\nhint: 'runner -list' shows the cells\n")
			return ExitUsage
		}
	}
	matrixHash, err := shard.Hash(m, cells)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return ExitUsage
	}
	sourceHash, err := shard.SourceHash(m, cases, only.f)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return ExitUsage
	}
	var shardInfo *results.Shard
	if *shardFlag != "" {
		p, sh, err := selectShard(m, cells, *shardFlag, *from, *planID)
		if err != nil {
			fmt.Fprintf(stderr, "runner run: %v\n", err)
			return ExitUsage
		}
		cells = sh.Cells
		shardInfo = &results.Shard{Index: sh.Spec.Index, Count: sh.Spec.Count, Plan: p.ID, Cells: sh.Keys(), Positions: sh.Positions}
	} else if *from != "" || *planID != "" {
		fmt.Fprintf(stderr, "runner run: -from and -plan-id go with -shard\n")
		return ExitUsage
	}
	if *list {
		return listCells(e.Stdout, cells)
	}

	// Fetch the toolchains the remaining cells need, then point the cells
	// at them (or mark them skipped with why).
	var need []toolchain.Toolchain
	seen := map[string]bool{}
	for _, c := range cells {
		if c.Skip == "" && c.Toolchain.GOROOT == "" && !seen[c.Toolchain.Version] {
			seen[c.Toolchain.Version] = true
			need = append(need, c.Toolchain)
		}
	}
	if len(need) > 0 {
		rep.FetchStarted(need)
		got := map[string]toolchain.Toolchain{}
		for _, t := range mgr.Ensure(ctx, need) {
			rep.ToolchainFetched(t)
			got[t.Version] = t
			if t.Error != "" {
				fmt.Fprintf(stderr, "runner: %s: %s\n", t.Selector, t.Error)
				status = ExitFailure
			}
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "runner: interrupted while fetching toolchains; nothing was run\n")
			return ExitInterrupted
		}
		for i, t := range resolved {
			if g, ok := got[t.Version]; ok && t.GOROOT == "" {
				g.Selector = t.Selector
				resolved[i] = g
			}
		}
		for _, c := range cells {
			if g, ok := got[c.Toolchain.Version]; ok && c.Toolchain.GOROOT == "" {
				sel := c.Toolchain.Selector
				c.Toolchain = g
				c.Toolchain.Selector = sel
				if g.Error != "" && c.Skip == "" {
					c.Skip = "toolchain unavailable: " + firstLine(g.Error)
				}
			}
		}
	}

	res := &results.Results{
		Schema:     results.SchemaVersion,
		Runner:     Version,
		Started:    time.Now().UTC().Truncate(time.Second),
		Host:       results.Host{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU()},
		Matrix:     matrixInfo(m, cases, only.f),
		MatrixHash: matrixHash,
		SourceHash: sourceHash,
		Shard:      shardInfo,
		Toolchains: resolved,
	}
	rep.RunStarted(cells)
	// Finished cells are written as they come (at most every 2s), marked
	// incomplete, so a run that is killed outright still leaves them; the
	// result cache then lets the next run resume instead of starting over.
	done := make([]*results.Cell, len(cells))
	index := make(map[*matrix.Cell]int, len(cells))
	for i, c := range cells {
		index[c] = i
	}
	lastWrite := time.Now()
	s := &scheduler.Scheduler{
		Builder:   &build.Builder{CacheDir: cacheDir},
		CacheDir:  cacheDir,
		Parallel:  *par,
		MatrixDir: m.Dir,
		Results:   &results.Cache{Dir: filepath.Join(cacheDir, "results")},
		Rerun:     *rerun,

		RebuildForExperiments: m.GOEXPERIMENTRebuild,
		CellStarted:           rep.CellStarted,
		CellDone: func(c *matrix.Cell, r *results.Cell) {
			rep.CellDone(c, r)
			done[index[c]] = r
			if time.Since(lastWrite) > 2*time.Second {
				lastWrite = time.Now()
				res.Cells = collect(done)
				if err := writeResults(*outDir, res); err != nil {
					fmt.Fprintf(stderr, "runner: %v\n", err)
				}
			}
		},
		BuildDone: func(req build.Request, b build.Result) {
			rep.BuildDone(req, b)
			res.Stats.Builds++
			if b.Cached {
				res.Stats.Reused++
			}
			res.Stats.BuildMS += float64(b.Duration.Microseconds()) / 1000
			res.Stats.BuildCPUMS += float64(b.CPU.Microseconds()) / 1000
		},
	}
	start := time.Now()
	out, runErr := s.Run(ctx, cells)
	res.Stats.WallMS = float64(time.Since(start).Microseconds()) / 1000
	res.Cells = collect(out)
	for _, c := range res.Cells {
		if c.Cached {
			res.Stats.Cached++
		} else {
			res.Stats.Runs += c.Runs
		}
	}
	res.Claims = claim.Evaluate(m.Claims, res.Cells)
	res.Finished = time.Now().UTC().Truncate(time.Second)
	res.Complete = runErr == nil
	rep.Finish(res)
	if err := writeResults(*outDir, res); err != nil {
		fmt.Fprintf(e.Stderr, "runner: %v\n", err)
		return ExitFailure
	}
	fromCache := ""
	if res.Stats.Cached > 0 {
		fromCache = fmt.Sprintf(" (%d from the result cache; -rerun runs them again)", res.Stats.Cached)
	}
	fmt.Fprintf(e.Stderr, "%d of %d cells in %.1fs%s: %s\nwrote %s, %s and %s\n", len(res.Cells), len(cells), time.Since(start).Seconds(), fromCache,
		summary(res.Cells), filepath.Join(*outDir, "results.json"), filepath.Join(*outDir, "results.md"), filepath.Join(*outDir, "index.html"))
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			fmt.Fprintf(e.Stderr, "runner: interrupted: %d cells did not finish; the results are marked incomplete\n", len(cells)-len(res.Cells))
			return ExitInterrupted
		}
		fmt.Fprintf(e.Stderr, "runner: %v\n", runErr)
		return ExitFailure
	}
	return status
}

// collect returns the finished cells, in matrix order.
func collect(cells []*results.Cell) []results.Cell {
	var out []results.Cell
	for _, r := range cells {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// writeResults writes results.json and its renderings into dir.
func writeResults(dir string, r *results.Results) error {
	data, err := results.Marshal(r)
	if err != nil {
		return err
	}
	if err := results.WriteFile(filepath.Join(dir, "results.json"), data); err != nil {
		return err
	}
	return writeRenderings(dir, r)
}

func matrixInfo(m *matrix.Matrix, cases []*matrix.Case, f matrix.Filter) results.Matrix {
	mi := results.Matrix{
		File:         filepath.ToSlash(m.File),
		Versions:     m.Versions,
		GOMAXPROCS:   m.GOMAXPROCS,
		GODEBUG:      m.GODEBUG,
		GOEXPERIMENT: m.GOEXPERIMENT,
		Timeout:      m.Timeout.String(),
		BuildTimeout: m.BuildTimeout.String(),
		Repeat:       m.Repeat,
		Env:          m.Env,
	}
	for _, c := range cases {
		rc := results.Case{Name: c.Name, Dir: filepath.ToSlash(c.Rel), Description: c.Description, CompleteOn: "exit", Go: c.Go.String()}
		if c.CompleteOn != nil {
			rc.CompleteOn = c.CompleteOn.String()
		}
		if c.Timeout != 0 {
			rc.Timeout = c.Timeout.String()
		}
		mi.Cases = append(mi.Cases, rc)
	}
	for k, vals := range f {
		for _, v := range vals {
			mi.Filter = append(mi.Filter, k+"="+v)
		}
	}
	return mi
}

func listCells(w io.Writer, cells []*matrix.Cell) int {
	for _, c := range cells {
		line := c.Case.Name + "\t" + versionLabel(c.Toolchain) + "\t" + c.Settings()
		if c.Skip != "" {
			line += "\tskip: " + c.Skip
		}
		fmt.Fprintln(w, line)
	}
	return ExitOK
}

func versionLabel(t toolchain.Toolchain) string {
	if t.Version == "" {
		return t.Selector
	}
	return t.Version
}

func summary(cells []results.Cell) string {
	s := results.Tally(cells, func(o string, n int) string { return fmt.Sprintf("%d %s", n, o) }, ", ")
	if s == "" {
		return "none"
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
