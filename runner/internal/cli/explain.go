package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/explain"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const explainUsage = `usage: gomatrix explain [-f matrix.yaml] [-results DIR] [-godebug name=value | -compile loopvar [-all]] [-v] CELL

Explain finds the source locations behind an outcome that a GODEBUG
setting or the go line changes. When CELL and its partner, the same cell
but for GODEBUG or for the go line (go_line), have different outcomes,
it runs Go's bisect tool (golang.org/x/tools/cmd/bisect, pinned, installed
into the runner's cache) with CELL's toolchain. Each probe builds and
runs the cell once, as 'gomatrix run' does, with the change enabled only
at the source locations bisect's pattern selects; bisect narrows the
pattern down to the locations where the change flips the outcome.

CELL is a cell ID as reports and results.json show it, quoted or not:
"loopvar go1.26.8 P=– D=– E=– L=1.22" ("D=" will do for "D=–", and so
will a prefix that names one cell). Its outcome and its partner's come
from DIR/results.json; its toolchain, case and settings from the matrix.

Modes, chosen from the partner (or named, to bisect without one):
	-godebug name=value  the partner differs by GODEBUG name=value: probes run the
	                     program with GODEBUG=name=value#PATTERN, so the setting
	                     applies at the call stacks that match. Needs go1.21 or later,
	                     and a setting a package reads through internal/godebug
	                     (not one the runtime reads itself: panicnil, asyncpreemptoff…).
	-compile loopvar     the go lines cross 1.22: probes build the case with
	                     per-iteration loop variables at the loops that match
	                     (-gcflags=./...=-d=loopvarhash=PATTERN). Needs go1.22 or later.

Examples:
	gomatrix explain 'loopvar go1.26.8 P=– D=– E=– L=1.22'
	gomatrix explain -results out randseed go1.26.8 P= D= E=
	gomatrix explain -godebug randseednop=0 'randseed go1.26.8 P=– D=– E=–'

Output: what it chose and why, then the locations on stdout, one a line,
"file:line[:col]: what changed there"; bisect's steps on stderr (-v: all
of its output, and each location's call stack). See docs/explain.md.
Exit status: 0 locations found; 1 none found, or bisect could not run;
2 usage error, no such cell, nothing to explain, or a toolchain or
setting that cannot be bisected.

Flags:
`

// explainSelf returns the runner's own executable, which bisect runs as
// the probe; tests point it at a runner they built.
var explainSelf = os.Executable

// explainFlags are the flags and arguments of 'gomatrix explain'.
type explainFlags struct {
	fs               *flag.FlagSet
	file, results    string
	godebug, compile string
	all, verbose     bool
	cell             string
}

func parseExplainFlags(e *Env, args []string) (*explainFlags, error) {
	f := &explainFlags{fs: flag.NewFlagSet("explain", flag.ContinueOnError)}
	fs := f.fs
	fs.StringVar(&f.file, "f", "matrix.yaml", "the matrix `file` the results came from")
	fs.StringVar(&f.results, "results", "", "the `dir`ectory of the results.json that holds CELL and its partner (default: results beside the matrix file)")
	fs.StringVar(&f.godebug, "godebug", "", "bisect GODEBUG `name=value` (default: from the partner)")
	fs.StringVar(&f.compile, "compile", "", "bisect the compiler `rewrite` loopvar (default: from the partner)")
	fs.BoolVar(&f.all, "all", false, "with -compile: apply the rewrite to every package, std and dependencies too\n(slow: std is compiled again for every probe)")
	fs.BoolVar(&f.verbose, "v", false, "print all of bisect's output, and each location's call stack")
	fs.Usage = func() { fmt.Fprint(fs.Output(), explainUsage); fs.PrintDefaults() }
	var pos []string
	for rest := args; ; {
		if err := e.parseFlags(fs, rest); err != nil {
			return nil, err
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	f.cell = strings.Join(pos, " ")
	if f.results == "" {
		f.results = filepath.Join(filepath.Dir(f.file), "results")
	}
	return f, f.check()
}

func (f *explainFlags) check() error {
	switch {
	case f.cell == "":
		return usagef("no cell\nhint: name a cell as reports show it, as in 'gomatrix explain \"loopvar go1.26.8 P=– D=– E=– L=1.22\"'")
	case f.godebug != "" && f.compile != "":
		return usagef("-godebug and -compile: one change at a time")
	case f.godebug != "" && !strings.Contains(f.godebug, "="):
		return usagef("-godebug %q: want name=value\nhint: the value the partner cell sets, as in -godebug randseednop=0", f.godebug)
	case f.all && f.godebug != "":
		return usagef("-all goes with -compile")
	}
	return nil
}

// change is the change the flags name, or nil.
func (f *explainFlags) change() *explain.Change {
	switch {
	case f.godebug != "":
		return &explain.Change{Mode: explain.GODEBUG, Value: f.godebug}
	case f.compile != "":
		return &explain.Change{Mode: explain.Compile, Value: f.compile}
	}
	return nil
}

// An explainJob is a bisection ready to run.
type explainJob struct {
	pair      explain.Pair
	named     results.Cell
	spec      explain.Spec
	bisect    string // the bisect command
	self      string // the runner, the probe
	cacheDir  string
	installed bool // bisect was installed for this job
}

// cmdExplain implements 'gomatrix explain': see explainUsage.
func cmdExplain(ctx context.Context, e *Env, args []string) error {
	if len(args) > 0 && args[0] == "-probe" {
		return explainProbe(ctx, e, args[1:])
	}
	f, err := parseExplainFlags(e, args)
	if err != nil {
		return err
	}
	named, pair, err := e.explainPair(f)
	if err != nil {
		return err
	}
	job, err := e.prepareExplain(ctx, f, named, pair)
	if err != nil {
		return err
	}
	return e.runExplain(ctx, f, job)
}

// explainPair finds the cell and what to bisect from the results, and
// refuses, before anything is fetched or built, what cannot be bisected.
func (e *Env) explainPair(f *explainFlags) (results.Cell, explain.Pair, error) {
	path := filepath.Join(f.results, "results.json")
	res, err := results.Read(path)
	if err != nil {
		return results.Cell{}, explain.Pair{}, usagef("%v\nhint: run the matrix first ('gomatrix run'), or name the results' directory with -results", err)
	}
	i, err := explain.FindCell(res.Cells, f.cell)
	if err != nil {
		return results.Cell{}, explain.Pair{}, usagef("%s: %v", path, err)
	}
	named := res.Cells[i]
	if host := runtime.GOOS + "/" + runtime.GOARCH; named.OS != "" && named.OS != host {
		return named, explain.Pair{}, usagef("%s ran on %s, and this is %s\nhint: run explain on a %s host", named.ID(), named.OS, host, named.OS)
	}
	pair, err := explain.Choose(res.Cells, named, f.change())
	if err != nil {
		return named, pair, usagef("%v", err)
	}
	if err := explain.CheckToolchain(pair.Change, pair.Base.Go); err != nil {
		return named, pair, usagef("%s: %v", named.ID(), err)
	}
	printChoice(e.Stdout, named, pair)
	return named, pair, nil
}

// printChoice says what explain bisects, and why.
func printChoice(w io.Writer, named results.Cell, p explain.Pair) {
	fmt.Fprintf(w, "explain %s (%s)\n", named.ID(), orUnknown(named.Outcome))
	if p.Changed != nil && p.Changed.ID() != named.ID() {
		fmt.Fprintf(w, "partner %s (%s)\n", p.Changed.ID(), p.Changed.Outcome)
	} else if p.Base.ID() != named.ID() {
		fmt.Fprintf(w, "partner %s (%s)\n", p.Base.ID(), orUnknown(p.Base.Outcome))
	}
	fmt.Fprintf(w, "mode    %s: %s\n", p.Change.Flag(), p.Why)
}

func orUnknown(outcome string) string {
	if outcome == "" {
		return "outcome not in the results"
	}
	return outcome
}

// prepareExplain finds the base cell in the matrix, installs its
// toolchain and bisect, and settles the outcome with no change enabled.
func (e *Env) prepareExplain(ctx context.Context, f *explainFlags, named results.Cell, pair explain.Pair) (*explainJob, error) {
	env := e.pipeline(e.Stderr)
	r, err := pipeline.Prepare(ctx, env, pipeline.Options{File: f.file})
	if err != nil {
		return nil, err
	}
	c, err := baseCell(r, named, pair)
	if err != nil {
		return nil, err
	}
	if err := ensureCellToolchain(ctx, r.Manager, c); err != nil {
		return nil, err
	}
	if err := checkExplainSetting(c, pair.Change); err != nil {
		return nil, err
	}
	job := &explainJob{pair: pair, named: named, cacheDir: env.CacheDir(), spec: explain.NewSpec(c, pair, env.CacheDir(), f.all)}
	if job.self, err = explainSelf(); err != nil {
		return nil, fmt.Errorf("explain: the runner's own executable: %w", err)
	}
	if job.bisect, job.installed, err = explain.InstallBisect(ctx, job.cacheDir, os.Environ()); err != nil {
		return nil, err
	}
	if job.spec.Baseline == "" {
		return job, e.calibrate(ctx, job)
	}
	return job, nil
}

// baseCell returns the matrix's cell of the pair's base: a cell of the
// matrix, or the named one with the base's GODEBUG.
func baseCell(r *pipeline.Run, named results.Cell, p explain.Pair) (*matrix.Cell, error) {
	find := func(rc results.Cell) *matrix.Cell {
		rc.OS = ""
		id := explain.CanonicalID(rc.ID())
		for _, c := range r.Cells {
			if explain.CanonicalID(c.ID()) == id {
				cp := *c
				return &cp
			}
		}
		return nil
	}
	c := find(p.Base)
	if c == nil {
		if c = find(named); c == nil {
			return nil, usagef("%s is not a cell of %s\nhint: name the matrix the results came from with -f", named.ID(), r.Matrix.File)
		}
		c.GODEBUG = p.Base.GODEBUG
	}
	if c.Skip != "" {
		return nil, usagef("%s: skip: %s", c.ID(), c.Skip)
	}
	return c, nil
}

// ensureCellToolchain installs c's toolchain, fetching it if need be.
func ensureCellToolchain(ctx context.Context, mgr *toolchain.Manager, c *matrix.Cell) error {
	if c.Toolchain.GOROOT != "" {
		return nil
	}
	t := mgr.Ensure(ctx, []toolchain.Toolchain{c.Toolchain})[0]
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted while fetching %s: %w", c.Toolchain.Version, ctx.Err())
	case t.Error != "":
		return fmt.Errorf("%s: %s", c.Toolchain.Version, t.Error)
	}
	t.Selector = c.Toolchain.Selector
	c.Toolchain = t
	return nil
}

// checkExplainSetting refuses a GODEBUG setting the program does not
// read through internal/godebug, by the toolchain's own table.
func checkExplainSetting(c *matrix.Cell, ch explain.Change) error {
	if ch.Mode != explain.GODEBUG {
		return nil
	}
	if err := explain.CheckSetting(explain.ReadSettings(c.Toolchain.GOROOT), ch.Key()); err != nil {
		return usagef("%s: %v", c.Toolchain.Version, err)
	}
	return nil
}

// probeBuilder is the builder of the probes: the pipeline's, on cacheDir.
func (e *Env) probeBuilder(cacheDir string) scheduler.Builder {
	getenv := func(k string) string {
		if k == "GOMATRIX_CACHE" {
			return cacheDir
		}
		return e.Getenv(k)
	}
	return pipeline.Env{Getenv: getenv}.NewScheduler(pipeline.SchedulerOptions{Parallel: 1}).Builder
}

// calibrate probes the base cell with no change enabled, for an outcome
// no cell of the results shows.
func (e *Env) calibrate(ctx context.Context, job *explainJob) error {
	fmt.Fprintf(e.Stderr, "explain: probing the outcome with no change enabled (no cell of the results shows it)\n")
	none := map[string]string{"GODEBUG": job.pair.Change.Value + "#n", "GOCOMPILEDEBUG": job.pair.Change.Value + "hash=n"}
	var out bytes.Buffer
	outcome, err := explain.Probe(ctx, e.probeBuilder(job.cacheDir), job.spec, func(k string) string { return none[k] }, &out)
	if err != nil {
		return fmt.Errorf("explain: probe with no change enabled: %w", err)
	}
	job.spec.Baseline = outcome
	if c := job.pair.Changed; c != nil && c.Outcome == outcome {
		return usagef("%s: with no change enabled the outcome is %s, as with %s everywhere: there is nothing to bisect\nhint: the cell does not depend on it; explain a cell whose partner shows the change", job.named.ID(), outcome, job.pair.Change.Flag())
	}
	return nil
}

// explainProbe is 'gomatrix explain -probe SPEC', the target bisect runs:
// exit status 0 when the outcome is the one with no change enabled.
func explainProbe(ctx context.Context, e *Env, args []string) error {
	if len(args) != 1 {
		return usagef("-probe takes one spec file\nhint: the probe is what bisect runs; run 'gomatrix explain CELL'")
	}
	s, err := explain.ReadSpec(args[0])
	if err != nil {
		return err
	}
	outcome, err := explain.Probe(ctx, e.probeBuilder(s.CacheDir), s, e.Getenv, e.Stderr)
	switch {
	case err != nil:
		return err
	case outcome != s.Baseline:
		return fmt.Errorf("probe: %s, not %s as with no change enabled", outcome, s.Baseline)
	}
	return nil
}

// runExplain runs bisect on the job and reports what it found.
func (e *Env) runExplain(ctx context.Context, f *explainFlags, job *explainJob) error {
	dir, err := os.MkdirTemp("", "gomatrix-explain-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	specPath := filepath.Join(dir, "spec.json")
	if err := explain.WriteSpec(specPath, job.spec); err != nil {
		return err
	}
	printProbes(e.Stdout, job)
	start := time.Now()
	out, log, err := e.runBisect(ctx, f.verbose, job, specPath)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	sets := explain.ParseOutput(out, job.spec.Toolchain.GOROOT)
	if err != nil || len(sets) == 0 {
		return bisectError(job, log, err)
	}
	printFound(e.Stdout, f.verbose, job, sets, log.runs, time.Since(start))
	return nil
}

// printProbes says what each probe does.
func printProbes(w io.Writer, job *explainJob) {
	s := job.spec
	what := "the program runs with GODEBUG=" + joinNonEmpty(s.GODEBUG, job.pair.Change.Value+"#PATTERN")
	if s.Mode == explain.Compile {
		what = "the case is built with per-iteration loop variables only at the loops PATTERN selects"
		if s.AllPackages {
			what += ", in every package"
		}
	}
	fmt.Fprintf(w, "probes  %s with %s; %s; with no change enabled: %s\n", job.pair.Base.Case, s.Toolchain.Version, what, s.Baseline)
	if job.installed {
		fmt.Fprintf(w, "bisect  installed %s@%s into %s\n", explain.BisectPackage, explain.BisectVersion, explain.BisectDir(job.cacheDir))
	}
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// runBisect runs bisect with the probe as its target and returns its
// standard output; its log goes to stderr as it comes.
func (e *Env) runBisect(ctx context.Context, verbose bool, job *explainJob, specPath string) (string, *bisectLog, error) {
	cmd := exec.CommandContext(ctx, job.bisect, job.pair.Change.Flag(), job.self, "explain", "-probe", specPath)
	cmd.Env = os.Environ() // bisect adds the pattern; the probes read the rest from the spec
	var out bytes.Buffer
	log := &bisectLog{w: e.Stderr, verbose: verbose}
	cmd.Stdout, cmd.Stderr = &out, log
	if verbose {
		cmd.Stdout = io.MultiWriter(&out, e.Stderr)
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	log.flush()
	return out.String(), log, err
}

// A bisectLog is bisect's standard error: kept whole, and shown as it
// comes, without the lines of each run unless verbose.
type bisectLog struct {
	w       io.Writer
	verbose bool
	all     bytes.Buffer
	partial []byte
	runs    int
	fatal   bool // the rest is the fatal error's text: kept, not shown
}

func (l *bisectLog) Write(p []byte) (int, error) {
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.line(string(l.partial[:i+1]))
		l.partial = l.partial[i+1:]
	}
}

func (l *bisectLog) line(s string) {
	switch {
	case strings.HasPrefix(s, "bisect: run: "):
		l.runs++
	case strings.HasPrefix(s, "bisect: fatal error: "):
		l.fatal = true // what it says is in explain's error
	}
	if l.verbose || (!l.fatal && !strings.HasPrefix(s, "bisect: run: ")) {
		io.WriteString(l.w, s)
	}
}

func (l *bisectLog) flush() {
	if len(l.partial) > 0 {
		l.line(string(l.partial) + "\n")
		l.partial = nil
	}
}

// fatalError returns bisect's fatal error and the text after it.
func (l *bisectLog) fatalError() (msg, detail string) {
	_, after, ok := strings.Cut(l.all.String(), "bisect: fatal error: ")
	if !ok {
		return "", ""
	}
	msg, detail, _ = strings.Cut(after, "\n")
	return msg, detail
}

// bisectError is the error of a bisection that found nothing, with what
// it means for the cells.
func bisectError(job *explainJob, log *bisectLog, err error) error {
	msg, detail := log.fatalError()
	p, base := job.pair, job.spec.Baseline
	switch {
	case strings.HasPrefix(msg, "target succeeds with no changes and all changes"):
		return fmt.Errorf("%s changes nothing: with it enabled everywhere the outcome is still %s%s", p.Change.Flag(), base, noEffectHint(job))
	case strings.HasPrefix(msg, "target fails with no changes and all changes"):
		return fmt.Errorf("with no change enabled the probe's outcome is not %s, the base cell's: the cell is flaky, or its result is stale\nhint: run the cells again ('gomatrix run -rerun -only case=%s'); -v shows each probe's output", base, p.Base.Case)
	case strings.HasPrefix(msg, "target fails inconsistently"):
		return fmt.Errorf("bisect: a probe gave different outcomes on the same pattern: the cell is flaky, and bisection needs it steady\nhint: -v shows each probe's output")
	case msg != "":
		return fmt.Errorf("bisect: %s\n%s\nhint: -v shows all of bisect's output", msg, clipLines(detail, 30))
	case err != nil:
		return fmt.Errorf("bisect: %v\n%s", err, clipLines(log.all.String(), 30))
	}
	return errors.New("bisect found no change set\nhint: -v shows all of bisect's output")
}

// noEffectHint says what else may cause the flip.
func noEffectHint(job *explainJob) string {
	p := job.pair
	if p.Changed == nil {
		return "\nhint: this cell does not depend on it; explain a cell whose partner shows the change"
	}
	if p.Change.Mode == explain.GODEBUG {
		return "\nhint: the program reads it where no call stack tells (the runtime's half of a setting), or the partner's\n" +
			"outcome has another cause: run both cells again ('gomatrix run -rerun') and compare"
	}
	table := explain.ReadSettings(job.spec.Toolchain.GOROOT)
	cands := explain.ChangedBetween(table, p.Base.GoLine, p.Changed.GoLine)
	if len(cands) == 0 {
		return ""
	}
	return fmt.Sprintf("\nhint: the go line also sets GODEBUG defaults; between go %s and go %s these changed, each to be explained\n"+
		"on the newer cell with: %s", p.Base.GoLine, p.Changed.GoLine, strings.Join(cands, ", "))
}

// clipLines returns the first n lines of s.
func clipLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("[%d more lines]", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

// printFound prints the locations bisect found.
func printFound(w io.Writer, verbose bool, job *explainJob, sets []explain.ChangeSet, runs int, wall time.Duration) {
	s := job.spec
	to := "another outcome"
	if c := job.pair.Changed; c != nil {
		to = c.Outcome
	}
	fmt.Fprintf(w, "found   %s where %s on %s turns %s into %s (bisect %s: %s, %s)\n", plural(len(sets), "change set"),
		job.pair.Change.Flag(), s.Toolchain.Version, s.Baseline, to, explain.BisectVersion, plural(runs, "probe"), wall.Round(100*time.Millisecond))
	cwd, _ := os.Getwd()
	for _, set := range sets {
		if len(set.Locations) > 1 {
			fmt.Fprintf(w, "change set #%d, only together:\n", set.N)
		}
		if len(set.Locations) == 0 {
			fmt.Fprintf(w, "change set #%d: %s\n", set.N, strings.Join(set.Lines, " | "))
		}
		for _, l := range set.Locations {
			l.File = displayPath(cwd, l.File)
			fmt.Fprintf(w, "%s: %s\n", l, l.Text)
			printStack(w, verbose, cwd, l.Stack)
		}
	}
}

// printStack prints a location's call stack, with -v.
func printStack(w io.Writer, verbose bool, cwd string, stack []explain.Frame) {
	if !verbose {
		return
	}
	for _, f := range stack {
		fmt.Fprintf(w, "\t%s\n\t\t%s:%d\n", f.Func, displayPath(cwd, f.File), f.Line)
	}
}

// displayPath is file relative to cwd when it is below it.
func displayPath(cwd, file string) string {
	if cwd == "" || !filepath.IsAbs(file) {
		return file
	}
	if rel, err := filepath.Rel(cwd, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}
