package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/progress"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const runUsage = `usage: gomatrix [run] [flags] [matrix.yaml]

Reads the matrix file (the argument or -f; default ./matrix.yaml),
resolves its toolchains (fetching those not yet cached), builds each case
once per toolchain × GOEXPERIMENT, runs every cell in a clean environment
and writes DIR/results.json (the source of truth), DIR/results.md and
DIR/index.html, DIR being -o: by default results/ beside the matrix
file. Ctrl-C stops every process and still writes the cells that
finished, marked incomplete.

A run does not replace the results of another matrix file: when DIR
holds them, it stops before running anything (-replace replaces them).
With -only, results of the same matrix in DIR are updated: the cells
run replace theirs, the others are kept (those the matrix no longer has
are dropped), and claims are evaluated over them all.

Exit status: 0 done; 1 done, but the results meet a -fail-on condition
(each is listed) or a toolchain could not be had; 2 usage or matrix
error, nothing run; 130 interrupted (finished cells were written).

Flags:
`

// filterFlag collects repeated -only key=value flags into a filter.
type filterFlag struct{ f *matrix.Filter }

func (f filterFlag) String() string { return "" }
func (f filterFlag) Set(s string) error {
	if *f.f == nil {
		*f.f = matrix.Filter{}
	}
	return f.f.Add(s)
}

// addCellFlags adds the flags that say which cells a command is about,
// -f and -only, to fs.
func addCellFlags(fs *flag.FlagSet, o *pipeline.Options, onlyUsage string) {
	fs.StringVar(&o.File, "f", "matrix.yaml", "the matrix `file`")
	fs.Var(filterFlag{&o.Only}, "only", onlyUsage)
}

// runFlags are the flags of 'gomatrix run'.
type runFlags struct {
	pipeline.Options
	out           string
	par           int
	list, quiet   bool
	json, rerun   bool
	bisectMinimum bool
	offline       bool
	replace       bool
	failOn        *failOn
}

func parseRunFlags(e *Env, args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	addCellFlags(fs, &f.Options, "run only cells matching `key=value` (keys: case, version, gomaxprocs, godebug, goexperiment, go_line);\nrepeat the flag: the same key gives alternatives, different keys must all match.\nResults of the same matrix in the -o directory are updated, not replaced")
	fs.StringVar(&f.out, "o", "", "write results.json, results.md and index.html to this `dir`ectory (default: results beside the matrix file)")
	fs.IntVar(&f.par, "p", runtime.NumCPU(), "cores cells may use at once; a cell with GOMAXPROCS=n takes min(n, p)")
	fs.BoolVar(&f.list, "list", false, "print the cells, their count and the run's estimated time, without building or running anything")
	fs.BoolVar(&f.quiet, "q", false, "print only the summary, not a line per cell")
	fs.StringVar(&f.Shard, "shard", "", "run only shard `i/N` of the plan 'gomatrix plan' printed (with the same -f, -only and -from)")
	fs.StringVar(&f.PlanID, "plan-id", "", "with -shard: refuse to run unless the plan derived here has this `id` (the job's \"plan\")")
	fs.StringVar(&f.From, "from", "", "with -shard: the previous `results.json` the plan was priced from (gomatrix plan -from)")
	fs.BoolVar(&f.json, "json", false, "print one JSON event per line on stdout as the run goes (see go doc ./runner/internal/progress)")
	fs.BoolVar(&f.offline, "offline", false, "download nothing: use installed or cached toolchains and the module cache only (as GOPROXY=off GOMATRIX_OFFLINE=1)")
	fs.BoolVar(&f.bisectMinimum, "bisect-minimum", false, "when the versions leave minors untried below a case's observed minimum Go, bisect them\nwith every cell of the case, fetching only the toolchains probed (see docs/tests.md)")
	fs.BoolVar(&f.rerun, "rerun", false, "run every cell again, even those whose inputs have not changed since a cached result")
	fs.BoolVar(&f.replace, "replace", false, "replace the results in the -o directory, even those of another matrix file;\nwith -only, write this run's cells alone rather than update them")
	f.failOn = addFailOnFlags(fs)
	fs.Usage = func() { fmt.Fprint(fs.Output(), runUsage); fs.PrintDefaults() }
	pos, err := e.parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	if err := matrixArg(fs, &f.File, pos); err != nil {
		return nil, err
	}
	if f.out == "" {
		f.out = filepath.Join(filepath.Dir(f.File), "results")
	}
	if f.par < 1 {
		return nil, usagef("-p %d: want at least 1", f.par)
	}
	return f, f.failOn.load()
}

// parseInterleaved parses args with fs, flags before and after the
// arguments, and returns the arguments.
func (e *Env) parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for rest := args; ; {
		if err := e.parseFlags(fs, rest); err != nil {
			return nil, err
		}
		if rest = fs.Args(); len(rest) == 0 {
			return pos, nil
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
}

// matrixArg sets *file, -f, from the arguments pos: at most one, a
// matrix file or a directory holding matrix.yaml.
func matrixArg(fs *flag.FlagSet, file *string, pos []string) error {
	switch {
	case len(pos) == 0:
		return nil
	case len(pos) > 1:
		return usagef("unexpected argument %q\nhint: name one matrix file", pos[1])
	}
	arg := pos[0]
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		arg = filepath.Join(arg, "matrix.yaml")
	}
	if isSet(fs, "f") && filepath.Clean(*file) != filepath.Clean(arg) {
		return usagef("-f %s and the argument %s name different matrix files\nhint: name the matrix once", *file, pos[0])
	}
	*file = arg
	return nil
}

// isSet reports whether the flag name was given.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// isMatrixArg reports whether arg, a first argument that names no
// command, names a matrix to run: 'gomatrix path/to/matrix.yaml' is
// 'gomatrix run path/to/matrix.yaml'. It is a .yaml or .yml file, or an
// existing file or directory.
func isMatrixArg(arg string) bool {
	if ext := filepath.Ext(arg); ext == ".yaml" || ext == ".yml" {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil
}

// cmdRun implements 'gomatrix run': prepare the run, execute it, write
// and summarise its results, and apply -fail-on to them.
func cmdRun(ctx context.Context, e *Env, args []string) error {
	f, err := parseRunFlags(e, args)
	if err != nil {
		return err
	}
	if f.offline {
		e = e.offline()
	}
	rep := progress.New(progress.Options{
		Stderr: e.Stderr, Stdout: e.Stdout, IsTTY: e.IsTTY, JSON: f.json, Quiet: f.quiet, Getenv: e.Getenv,
		FullReport: filepath.Join(f.out, "index.html") + " and " + filepath.Join(f.out, "results.json"),
	})
	// From here until rep.Finish, everything printed goes through rep, so
	// a live status line on a terminal is cleared first.
	stderr := rep.Writer()
	r, err := pipeline.Prepare(ctx, e.pipeline(stderr), f.Options)
	if err != nil {
		return err
	}
	printProblems(stderr, r.Problems)
	if f.list {
		listCells(e.Stdout, r.Cells)
		fmt.Fprintln(stderr, listSummary(r.Cells))
		fmt.Fprintln(stderr, listEstimate(r, f.par, f.out))
		return nil
	}
	unlock, err := pipeline.LockOutput(f.out)
	if err != nil {
		return err
	}
	defer unlock()
	return execute(ctx, e, f, r, rep)
}

// execute runs r's cells into the output directory, which f's caller
// holds, and writes and summarises the results.
func execute(ctx context.Context, e *Env, f *runFlags, r *pipeline.Run, rep progress.Reporter) error {
	stderr := rep.Writer()
	// The results this run replaces or updates, read before its
	// checkpoints overwrite them: a verdict a rerun of the same inputs
	// contradicts is unstable.
	previous, err := previousResults(f)
	if err != nil {
		return err
	}
	upd, err := newUpdate(f, r, previous)
	if err != nil {
		return err
	}
	resolveProblems := len(r.Problems)
	o := pipeline.ExecOptions{
		SchedulerOptions: pipeline.SchedulerOptions{Parallel: f.par, Rerun: f.rerun},
		Reporter:         rep,
		Previous:         previous,
		Out:              f.out,
		Checkpoint:       func(res *results.Results) { checkpoint(stderr, f.out, res) },
	}
	if upd != nil {
		o.Amend = upd.union
	}
	res, runErr := r.Execute(ctx, o)
	printProblems(e.Stderr, r.Problems[resolveProblems:])
	if res == nil {
		return runErr
	}
	if runErr == nil && f.bisectMinimum {
		runErr = locateMinimums(ctx, e, stderr, r, res, f.par)
	}
	if err := pipeline.Write(f.out, res); err != nil {
		return err
	}
	summarise(e.Stderr, f.out, res, len(r.Cells), upd)
	err = runError(runErr, len(r.Cells)-ranCount(res, upd), r.Problems)
	if errors.Is(err, context.Canceled) {
		return err // some cells did not run: no policy applies
	}
	return errors.Join(err, f.failOn.apply(e.Stderr, res))
}

// printProblems prints the toolchains that could not be had.
func printProblems(w io.Writer, problems []string) {
	for _, p := range problems {
		for line := range strings.Lines(strings.TrimSpace(p)) {
			fmt.Fprintln(w, report.PlainText(strings.TrimRight(line, "\n")))
		}
	}
}

// checkpoint writes the results so far: a run killed outright still
// leaves them, and the result cache lets the next run resume.
func checkpoint(stderr io.Writer, dir string, res *results.Results) {
	if err := pipeline.Write(dir, res); err != nil {
		fmt.Fprintf(stderr, "gomatrix run: %v\n", err)
	}
}

// runError is the error of a run that wrote its results: interrupted
// with cells unfinished, or toolchains that could not be had.
func runError(err error, unfinished int, problems []string) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted: %d cells did not finish; the results are marked incomplete: %w", unfinished, err)
	case err != nil:
		return err
	case len(problems) > 0:
		return fmt.Errorf("%s could not be had (listed above); their cells are skip", plural(len(problems), "toolchain"))
	}
	return nil
}

// summarise says what the run did — of its cells to run, how many it
// ran, and, updating earlier results, what it kept of them — and where
// its results are.
func summarise(w io.Writer, dir string, res *results.Results, cells int, upd *update) {
	ran := res.Cells
	if upd != nil {
		ran = upd.ran
	}
	cached := 0
	for _, c := range ran {
		if c.Cached {
			cached++
		}
	}
	fromCache := ""
	if cached > 0 {
		fromCache = fmt.Sprintf(" (%d from the result cache; -rerun runs them again)", cached)
	}
	for _, m := range res.Minimums {
		fmt.Fprintln(w, report.PlainText(minimumLine(m)))
	}
	fmt.Fprintf(w, "%d of %d cells in %.1fs%s: %s\n", len(ran), cells, res.Stats.WallMS/1000, fromCache, summary(ran))
	if upd != nil {
		for _, l := range upd.lines(res) {
			fmt.Fprintln(w, report.PlainText(l))
		}
	}
	fmt.Fprintf(w, "wrote %s\n", filesIn(dir))
}

// ranCount is how many of its cells the run whose written results are
// res ran.
func ranCount(res *results.Results, upd *update) int {
	if upd != nil {
		return len(upd.ran)
	}
	return len(res.Cells)
}

// minimumLine says a case's declared and observed minimum Go.
func minimumLine(m results.Minimum) string {
	declared, observed := m.Declared, m.Observed
	if declared == "" {
		declared = "no go line"
	}
	if observed == "" {
		observed = "none (fails on the newest)"
	}
	if n := len(m.Untried); n > 0 {
		observed += fmt.Sprintf(" (go%s–go%s untried: -bisect-minimum locates it)", m.Untried[0], m.Untried[n-1])
	}
	line := fmt.Sprintf("minimum go of %s: declared %s, observed %s: %s", m.Case, declared, observed, m.Verdict)
	switch {
	case m.FirstFailure != "" && m.Observed == "":
		line += "; on the newest: " + firstLine(m.FirstFailure)
	case m.FirstFailure != "":
		line += "; below it: " + firstLine(m.FirstFailure)
	}
	return line
}

// filesIn names the files pipeline.Write writes in dir: "a, b and c".
func filesIn(dir string) string {
	var paths []string
	for _, f := range pipeline.Files() {
		paths = append(paths, filepath.Join(dir, f))
	}
	return strings.Join(paths[:len(paths)-1], ", ") + " and " + paths[len(paths)-1]
}

func listCells(w io.Writer, cells []*matrix.Cell) {
	for _, c := range cells {
		line := report.PlainText(c.Case.Name) + "\t" + versionLabel(c.Toolchain) + "\t" + report.PlainText(c.Settings())
		if c.Skip != "" {
			line += "\tskip: " + report.PlainText(c.Skip)
		}
		fmt.Fprintln(w, line)
	}
}

// listSummary counts what -list printed: cells, those to run and the
// runs and builds they take, and the skipped.
func listSummary(cells []*matrix.Cell) string {
	toolchains, builds := map[string]bool{}, map[string]bool{}
	run, runs := 0, 0
	for _, c := range cells {
		if c.Skip != "" {
			continue
		}
		run++
		runs += c.Repeat
		toolchains[c.Toolchain.Version] = true
		builds[fmt.Sprint(c.Case.Dir, c.Case.Package, c.Toolchain.Version, c.GOEXPERIMENT, c.GoLine, c.Env)] = true
	}
	return fmt.Sprintf("%d cells: %d to run (%d runs, at most %d builds with %d toolchains), %d skipped", len(cells), run, runs, len(builds), len(toolchains), len(cells)-run)
}

// listEstimate says how long running r's cells on par cores is expected
// to take, by the cost model that balances shards (shard.Model), and
// what the figure is based on: each run costs what it took in the
// results in dir, if they have the cell, else half its timeout; builds
// and downloads their typical times.
func listEstimate(r *pipeline.Run, par int, dir string) string {
	model := shard.DefaultModel
	model.Cores = par
	fetch := toolchainsToFetch(r.Cells)
	if fetch == 0 {
		model.Download = 0
	}
	path := filepath.Join(dir, "results.json")
	h, err := shard.ReadHistory(path)
	if err != nil {
		h = nil
	}
	p, err := shard.New(r.Matrix, r.Cells, shard.Options{Shards: 1, History: h, Model: &model})
	if err != nil {
		return "no estimate: " + err.Error()
	}
	basis := "each run priced at half its timeout"
	if h != nil {
		toRun, known := 0, 0
		for _, c := range r.Cells {
			if c.Skip == "" {
				toRun++
				if h.Knows(c) {
					known++
				}
			}
		}
		basis = fmt.Sprintf("%d of %d cells to run priced from %s (what they took; a hang, its timeout), the others at half their timeout per run", known, toRun, path)
	}
	builds := "builds at typical times (the toolchains are here)"
	if fetch > 0 {
		builds = fmt.Sprintf("builds and downloads at typical times (%s to fetch)", plural(fetch, "toolchain"))
	}
	return fmt.Sprintf("estimated ~%s on %s: %s; %s", planDuration(p.Shards[0].Cost), plural(par, "core"), basis, builds)
}

// toolchainsToFetch counts the toolchains that cells to run need and
// that are not installed.
func toolchainsToFetch(cells []*matrix.Cell) int {
	need := map[string]bool{}
	for _, c := range cells {
		if c.Skip == "" && c.Toolchain.GOROOT == "" {
			need[c.Toolchain.Version] = true
		}
	}
	return len(need)
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
