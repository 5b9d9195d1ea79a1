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

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/progress"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const runUsage = `usage: gomatrix [run] [-f matrix.yaml] [-o results] [-p N] [-list] [-only key=value]...

Reads the matrix file, resolves its toolchains (fetching those not yet
cached), builds each case once per toolchain × GOEXPERIMENT, runs every
cell in a clean environment and writes DIR/results.json (the source of
truth), DIR/results.md and DIR/index.html. Ctrl-C stops every process
and still writes the cells that finished, marked incomplete.

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
	out         string
	par         int
	list, quiet bool
	json, rerun bool
	offline     bool
}

func parseRunFlags(e *Env, args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	addCellFlags(fs, &f.Options, "run only cells matching `key=value` (keys: case, version, gomaxprocs, godebug, goexperiment, go_line);\nrepeat the flag: the same key gives alternatives, different keys must all match")
	fs.StringVar(&f.out, "o", "results", "write results.json, results.md and index.html to this `dir`ectory")
	fs.IntVar(&f.par, "p", runtime.NumCPU(), "cores cells may use at once; a cell with GOMAXPROCS=n takes min(n, p)")
	fs.BoolVar(&f.list, "list", false, "print the cells without building or running anything")
	fs.BoolVar(&f.quiet, "q", false, "print only the summary, not a line per cell")
	fs.StringVar(&f.Shard, "shard", "", "run only shard `i/N` of the plan 'gomatrix plan' printed (with the same -f, -only and -from)")
	fs.StringVar(&f.PlanID, "plan-id", "", "with -shard: refuse to run unless the plan derived here has this `id` (the job's \"plan\")")
	fs.StringVar(&f.From, "from", "", "with -shard: the previous `results.json` the plan was priced from (gomatrix plan -from)")
	fs.BoolVar(&f.json, "json", false, "print one JSON event per line on stdout as the run goes (see go doc ./runner/internal/progress)")
	fs.BoolVar(&f.offline, "offline", false, "download nothing: use installed or cached toolchains and the module cache only (as GOPROXY=off GOMATRIX_OFFLINE=1)")
	fs.BoolVar(&f.rerun, "rerun", false, "run every cell again, even those whose inputs have not changed since a cached result")
	fs.Usage = func() { fmt.Fprint(fs.Output(), runUsage); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q\nhint: name the matrix with -f", fs.Arg(0))
	case f.par < 1:
		return nil, usagef("-p %d: want at least 1", f.par)
	}
	return f, nil
}

// cmdRun implements 'gomatrix run': prepare the run, execute it, write
// and summarise its results.
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
		return nil
	}
	unlock, err := pipeline.LockOutput(f.out)
	if err != nil {
		return err
	}
	defer unlock()
	resolveProblems := len(r.Problems)
	// The results this run replaces, read before its checkpoints overwrite
	// them: a verdict a rerun of the same inputs contradicts is unstable.
	previous, _ := results.Read(filepath.Join(f.out, "results.json"))
	res, runErr := r.Execute(ctx, pipeline.ExecOptions{
		SchedulerOptions: pipeline.SchedulerOptions{Parallel: f.par, Rerun: f.rerun},
		Reporter:         rep,
		Previous:         previous,
		Checkpoint:       func(res *results.Results) { checkpoint(stderr, f.out, res) },
	})
	printProblems(e.Stderr, r.Problems[resolveProblems:])
	if res == nil {
		return runErr
	}
	if err := pipeline.Write(f.out, res); err != nil {
		return err
	}
	summarise(e.Stderr, f.out, res, len(r.Cells))
	return runError(runErr, len(r.Cells)-len(res.Cells), r.Problems)
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

// summarise says what the run did and where its results are.
func summarise(w io.Writer, dir string, res *results.Results, cells int) {
	fromCache := ""
	if res.Stats.Cached > 0 {
		fromCache = fmt.Sprintf(" (%d from the result cache; -rerun runs them again)", res.Stats.Cached)
	}
	for _, m := range res.Minimums {
		fmt.Fprintln(w, report.PlainText(minimumLine(m)))
	}
	fmt.Fprintf(w, "%d of %d cells in %.1fs%s: %s\nwrote %s\n", len(res.Cells), cells, res.Stats.WallMS/1000, fromCache,
		summary(res.Cells), filesIn(dir))
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
	line := fmt.Sprintf("minimum go of %s: declared %s, observed %s: %s", m.Case, declared, observed, m.Verdict)
	if m.FirstFailure != "" {
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
