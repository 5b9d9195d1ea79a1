package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/bisect"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const bisectUsage = `usage: gomatrix bisect [flags] CASE [key=value...]

Bisect finds the first Go release in which CASE's outcome, under one
combination of settings, differs from its outcome on the -from release.
It probes the two endpoints; if they differ, it bisects the minors (the
newest patch release of each), then the patch releases of the minor where
the outcome changed. It fetches only the toolchains it probes, about log2
of the range, and builds and runs each probe exactly as 'gomatrix run' runs
a cell: the same clean environment, timeouts, classification, result
cache and reproduce commands.

It prints each step (version, outcome, counts) and ends with the
boundary, "last hang: go1.13.15; first complete: go1.14.2", with a command
that reproduces each side. It reports what its probes show beyond that:
a further change the probes straddle, an outcome that comes back after
another (non-monotone), flaky steps, inert settings, releases that could
not be tried. A behaviour that changes and changes back between two
probes is invisible to a bisection, above all when the endpoints agree:
-linear=minors then probes the newest patch of every minor and locates
each change among the patches; -linear probes every release.

Settings, as flags or as key=value arguments after CASE:
	gomaxprocs=N           GOMAXPROCS of the runs (0, the default: unset)
	godebug=k=v[,k=v...]   GODEBUG of the runs
	goexperiment=name[,…]  GOEXPERIMENT of the builds (before go1.17 only
	                       with -rebuild; otherwise the step is marked inert)
	go_line=V              the go line of the builds: toolchain, or a version
	                       such as 1.22 (a release older than it is a skip)

Versions (-from, -to) are selectors naming one release each: 1.14.2, a
minor (1.14: its newest patch), stable, oldstable; see 'gomatrix versions -h'.

Examples:
	gomatrix bisect cases/busyloop gomaxprocs=1 -timeout 3s
	gomatrix bisect cases/busyloop gomaxprocs=1 -from 1.14 -to 1.22 -repeat 5
	gomatrix bisect cases/busyloop gomaxprocs=1 godebug=asyncpreemptoff=1 \
		goexperiment=preemptibleloops -rebuild -linear=minors

Output: the steps and the boundary on stdout (with -json, the steps on
stderr and the result as one JSON object on stdout); toolchain downloads
on stderr. Exit status: 0 the search finished, whether or not the outcome
changed; 1 it could not finish (an endpoint could not be tried); 2 usage
or case error, nothing run; 130 interrupted.

Flags:
`

// linearFlag is -linear: "" (bisect), "all" (-linear) or "minors".
type linearFlag struct{ mode bisect.Mode }

func (f *linearFlag) String() string {
	switch f.mode {
	case bisect.Linear:
		return "all"
	case bisect.LinearMinors:
		return "minors"
	}
	return ""
}

func (f *linearFlag) Set(s string) error {
	switch s {
	case "true", "all":
		f.mode = bisect.Linear
	case "minors":
		f.mode = bisect.LinearMinors
	case "false", "":
		f.mode = bisect.Bisect
	default:
		return fmt.Errorf("want -linear (every release) or -linear=minors (every minor, then the patches of each change), got %q", s)
	}
	return nil
}

func (f *linearFlag) IsBoolFlag() bool { return true }

// bisectSettings are the cell's settings, from flags and key=value args.
type bisectSettings struct {
	gomaxprocs   int
	godebug      string
	goexperiment string
	goLine       string
}

// args renders the settings as the key=value arguments that give them.
func (s bisectSettings) args() []string {
	var out []string
	if s.gomaxprocs != 0 {
		out = append(out, "gomaxprocs="+strconv.Itoa(s.gomaxprocs))
	}
	if s.godebug != "" {
		out = append(out, "godebug="+s.godebug)
	}
	if s.goexperiment != "" {
		out = append(out, "goexperiment="+s.goexperiment)
	}
	if s.goLine != "" {
		out = append(out, "go_line="+s.goLine)
	}
	return out
}

// bisectFlags are the flags and arguments of 'gomatrix bisect'.
type bisectFlags struct {
	fs       *flag.FlagSet
	from, to string
	set      bisectSettings
	repeat   int
	timeout  time.Duration
	buildTO  time.Duration
	linear   linearFlag
	rebuild  bool
	rerun    bool
	par      int
	json     bool
	caseDir  string
	flagged  map[string]bool // flags and key=value settings given
}

func newBisectFlags() *bisectFlags {
	f := &bisectFlags{fs: flag.NewFlagSet("bisect", flag.ContinueOnError), flagged: map[string]bool{}}
	fs := f.fs
	fs.StringVar(&f.from, "from", "1.13", "the older end of the range: its outcome is the reference (a `selector` naming one release)")
	fs.StringVar(&f.to, "to", "stable", "the newer end of the range (a `selector` naming one release)")
	fs.IntVar(&f.set.gomaxprocs, "gomaxprocs", 0, "GOMAXPROCS of the runs, `N`; 0 leaves it unset")
	fs.StringVar(&f.set.godebug, "godebug", "", "GODEBUG of the runs, `k=v[,k=v...]`")
	fs.StringVar(&f.set.goexperiment, "goexperiment", "", "GOEXPERIMENT of the builds, `name[,name...]`")
	fs.StringVar(&f.set.goLine, "go_line", "", "the go line of the builds: toolchain or a `version` such as 1.22 (releases older than it are skipped)")
	fs.IntVar(&f.repeat, "repeat", 0, "runs per step, `N`; the step's outcome is the majority (default: the case's repeat, else 1)")
	fs.DurationVar(&f.timeout, "timeout", 0, "run timeout of each run (default: the case's timeout, else "+matrix.DefaultTimeout.String()+")")
	fs.DurationVar(&f.buildTO, "build-timeout", 0, "timeout of each build (default: the case's build_timeout, else "+matrix.DefaultBuildTimeout.String()+")")
	fs.Var(&f.linear, "linear", "probe every release in the range; -linear=minors: the newest patch of every minor,\nthen bisect the patches of each minor where the outcome changed")
	fs.BoolVar(&f.rebuild, "rebuild", false, "build goexperiment steps before go1.17 with the toolchain rebuilt with the experiment\n(make.bash, ~3 min per toolchain, cached), as goexperiment_rebuild does")
	fs.BoolVar(&f.rerun, "rerun", false, "run every step, even those whose result is in the result cache")
	fs.IntVar(&f.par, "p", runtime.NumCPU(), "cores the runs and builds may use at once")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object on stdout (the steps go to stderr)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), bisectUsage); fs.PrintDefaults() }
	return f
}

// parseBisectFlags parses the flags, which may come after CASE and its
// key=value arguments, and checks them.
func parseBisectFlags(e *Env, args []string) (*bisectFlags, error) {
	f := newBisectFlags()
	var pos []string
	for rest := args; ; {
		if err := e.parseFlags(f.fs, rest); err != nil {
			return nil, err
		}
		rest = f.fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if len(pos) == 0 {
		return nil, usagef("no case\nhint: name a case directory, as in 'gomatrix bisect cases/busyloop gomaxprocs=1'")
	}
	f.caseDir = pos[0]
	f.fs.Visit(func(fl *flag.Flag) { f.flagged[fl.Name] = true })
	for _, kv := range pos[1:] {
		if err := f.setting(kv); err != nil {
			return nil, err
		}
	}
	return f, f.check()
}

// setting applies a key=value argument after CASE.
func (f *bisectFlags) setting(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		if kv == "minors" || kv == "all" {
			return usagef("unexpected argument %q\nhint: write -linear=%s", kv, kv)
		}
		return usagef("unexpected argument %q\nhint: settings are key=value (gomaxprocs=1, godebug=asyncpreemptoff=1, goexperiment=preemptibleloops); one case at a time", kv)
	}
	var err error
	switch k {
	case matrix.KeyGOMAXPROCS:
		n, perr := strconv.Atoi(v)
		switch {
		case perr != nil:
			err = errors.New("want a whole number")
		case f.flagged[k] && n != f.set.gomaxprocs:
			err = errors.New("-gomaxprocs says otherwise")
		}
		f.set.gomaxprocs = n
	case matrix.KeyGODEBUG, matrix.KeyGOEXPERIMENT, matrix.KeyGoLine:
		p := map[string]*string{matrix.KeyGODEBUG: &f.set.godebug, matrix.KeyGOEXPERIMENT: &f.set.goexperiment, matrix.KeyGoLine: &f.set.goLine}[k]
		if f.flagged[k] && *p != v {
			err = errors.New("-" + k + " says otherwise")
		}
		*p = v
	default:
		return usagef("%s: unknown setting %q\nhint: the settings are gomaxprocs, godebug, goexperiment and go_line; versions are -from and -to", kv, k)
	}
	if err != nil {
		return usagef("%s: %v", kv, err)
	}
	f.flagged[k] = true
	return nil
}

// check checks the flags as the matrix checks its keys.
func (f *bisectFlags) check() error {
	switch {
	case f.set.check() != "":
		return usagef("%s", f.set.check())
	case f.repeat < 0 || f.repeat > 1000:
		return usagef("-repeat %d: want 1 to 1000", f.repeat)
	case f.timeout < 0 || f.buildTO < 0:
		return usagef("a timeout must not be negative (0 takes the default)")
	case f.par < 1:
		return usagef("-p %d: want at least 1", f.par)
	}
	return nil
}

// cell is the cell the search probes on each release: the case with the
// settings, timeouts and repeats of the flags, else of the case.
func (f *bisectFlags) cell(c *matrix.Case) matrix.Cell {
	return matrix.Cell{
		Case: c, GOMAXPROCS: f.set.gomaxprocs, GODEBUG: f.set.godebug, GOEXPERIMENT: f.set.goexperiment, GoLine: f.set.goLine,
		Env:          c.Env,
		Timeout:      firstSet(f.timeout, c.Timeout, matrix.DefaultTimeout),
		BuildTimeout: firstSet(f.buildTO, c.BuildTimeout, matrix.DefaultBuildTimeout),
		Repeat:       firstSet(f.repeat, c.Repeat, 1),
	}
}

// again is the command that bisects again with the same cell, for the
// notes.
func (f *bisectFlags) again(c *matrix.Case) string {
	cmd := append([]string{"go run ./runner bisect", quoteShell(c.Rel)}, quoteShellAll(f.set.args())...)
	for _, name := range []string{"timeout", "build-timeout", "repeat"} {
		if f.flagged[name] {
			cmd = append(cmd, "-"+name, quoteShell(f.fs.Lookup(name).Value.String()))
		}
	}
	if f.rebuild {
		cmd = append(cmd, "-rebuild")
	}
	return strings.Join(cmd, " ")
}

// cmdBisect implements 'gomatrix bisect': see bisectUsage and package bisect.
func cmdBisect(ctx context.Context, e *Env, args []string) error {
	f, err := parseBisectFlags(e, args)
	if err != nil {
		return err
	}
	c, err := matrix.LoadCase(f.caseDir)
	if err != nil {
		return &pipeline.InputError{Err: err}
	}
	env := e.pipeline(e.Stderr)
	mgr, err := env.NewManager()
	if err != nil {
		return err
	}
	tcs, err := bisect.Releases(ctx, mgr, f.from, f.to)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case err != nil:
		return usagef("%v", err)
	}
	p := &bisect.CellProber{
		Manager:    mgr,
		Scheduler:  env.NewScheduler(pipeline.SchedulerOptions{Parallel: f.par, Rerun: f.rerun, Rebuild: f.rebuild, MatrixDir: "."}),
		Cell:       f.cell(c),
		Toolchains: tcs,
	}
	out := e.Stdout
	if f.json {
		out = e.Stderr
	}
	printBisectHeader(out, c, f, p.Cell, releaseVersions(tcs))
	start := time.Now()
	res, err := bisect.Search(ctx, p, releaseVersions(tcs), bisect.Options{Mode: f.linear.mode, OnStep: func(s bisect.Step) { printStep(out, s) }})
	if err != nil {
		return searchError(ctx, res, err)
	}
	wall := time.Since(start)
	printConclusion(out, res, tcs, f.again(c))
	fetched := p.Fetched()
	if fetched == nil {
		fetched = []string{} // [] in JSON
	}
	fmt.Fprintf(out, "%s in %s\n", toolchainCount(res, fetched), wall.Round(100*time.Millisecond))
	if f.json {
		writeToolchainJSON(e.Stdout, bisectReport{
			Case: c.Name, Dir: filepath.ToSlash(c.Rel),
			GOMAXPROCS: f.set.gomaxprocs, GODEBUG: f.set.godebug, GOEXPERIMENT: f.set.goexperiment, GoLine: f.set.goLine,
			Timeout: p.Cell.Timeout.String(), Repeat: p.Cell.Repeat, Rebuild: f.rebuild,
			Result: res, Fetched: fetched, WallMS: float64(wall.Microseconds()) / 1000,
		})
	}
	return nil
}

// printBisectHeader says what the search is about.
func printBisectHeader(w io.Writer, c *matrix.Case, f *bisectFlags, cell matrix.Cell, versions []string) {
	label := c.Name
	if rel := filepath.ToSlash(c.Rel); rel != c.Name {
		label += " (" + rel + ")"
	}
	runs := "1 run"
	if cell.Repeat > 1 {
		runs = fmt.Sprintf("%d runs", cell.Repeat)
	}
	settings := strings.Join(f.set.args(), " ")
	if settings == "" {
		settings = "(no settings)"
	}
	fmt.Fprintf(w, "bisect %s %s: %s … %s, %d releases in %d minors; timeout %s, %s per step\n",
		label, settings, versions[0], versions[len(versions)-1], len(versions), len(bisect.Minors(versions)), cell.Timeout, runs)
}

// searchError is the error of a search that could not finish.
func searchError(ctx context.Context, res *bisect.Result, err error) error {
	switch {
	case ctx.Err() != nil:
		steps := 0
		if res != nil {
			steps = len(res.Steps)
		}
		return fmt.Errorf("interrupted after %s: %w", plural(steps, "step"), ctx.Err())
	case errors.Is(err, bisect.ErrEndpoint):
		return fmt.Errorf("%w\nhint: choose another -from or -to", err)
	}
	return err
}

// bisectReport is what -json prints.
type bisectReport struct {
	Case         string `json:"case"`
	Dir          string `json:"dir"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	GODEBUG      string `json:"godebug"`
	GOEXPERIMENT string `json:"goexperiment"`
	GoLine       string `json:"go_line,omitempty"`
	Timeout      string `json:"timeout"`
	Repeat       int    `json:"repeat"`
	Rebuild      bool   `json:"rebuild,omitempty"`
	*bisect.Result
	// Fetched are the toolchains downloaded for the search.
	Fetched []string `json:"fetched"`
	WallMS  float64  `json:"wall_ms"`
}

// check checks the settings as the matrix checks its axes, and says
// what is wrong, or "".
func (s bisectSettings) check() string {
	if s.gomaxprocs < 0 {
		return fmt.Sprintf("gomaxprocs %d: want 0 (unset) or more", s.gomaxprocs)
	}
	if msg, hint := matrix.CheckGODEBUG(s.godebug); msg != "" {
		return "godebug " + msg + "\nhint: " + hint
	}
	if msg, hint := matrix.CheckGOEXPERIMENT(s.goexperiment); msg != "" {
		return "goexperiment " + msg + "\nhint: " + hint
	}
	if msg, hint := matrix.CheckGoLine(s.goLine); msg != "" {
		return "go_line " + msg + "\nhint: " + hint
	}
	return ""
}

func firstSet[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

func quoteShellAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = quoteShell(s)
	}
	return out
}

// quoteShell quotes s for a POSIX shell when it needs it.
func quoteShell(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printStep prints one step as it is done:
//
//	3  go1.20.14  minor  complete 3/3          installed   1.2s
func printStep(w io.Writer, s bisect.Step) {
	var notes []string
	switch {
	case s.Outcome == results.Skip:
	case s.Fetched:
		notes = append(notes, "fetched")
	default:
		notes = append(notes, "installed")
	}
	if s.Rebuilt {
		notes = append(notes, "rebuilt with the experiment")
	}
	if s.Cached {
		notes = append(notes, "cached result")
	}
	if len(s.Inert) > 0 {
		notes = append(notes, "inert setting†")
	}
	line := fmt.Sprintf("%3d  %-10s %-6s %-20s %-28s %6s", s.N, s.Version, s.Phase, s.Label(), strings.Join(notes, ", "), secondsText(s.WallMS))
	switch s.Outcome {
	case results.Fail, results.BuildError, results.Skip:
		line += "  " + clipLine(s.Reason, 110)
	}
	fmt.Fprintln(w, strings.TrimRight(line, " "))
}

func secondsText(ms float64) string {
	if ms == 0 {
		return ""
	}
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + "s"
}

// clipLine returns the first line of s, at most n runes, safe to print.
func clipLine(s string, n int) string {
	s = report.PlainText(firstLine(s))
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// printConclusion prints the boundary with its reproduce commands, then
// what else the probes showed.
func printConclusion(w io.Writer, r *bisect.Result, tcs []toolchain.Toolchain, again string) {
	fmt.Fprintln(w)
	if b := r.Boundary; b != nil {
		fmt.Fprintln(w, r.Summary())
		for _, s := range []bisect.Step{b.Last, b.First} {
			fmt.Fprintf(w, "  reproduce %s (%s): %s\n", s.Version, s.Label(), report.PlainText(s.Reproduce))
		}
		if len(b.Between) > 0 {
			fmt.Fprintf(w, "note: the boundary is not located exactly: locate it with\n  %s -from %s -to %s\n", again, b.Last.Version, b.First.Version)
		}
	} else {
		fmt.Fprintln(w, r.Summary())
		if r.Mode == bisect.Bisect {
			more, fetch := unprobedCount(r, tcs, bisect.Minors(releaseVersions(tcs)))
			all, fetchAll := unprobedCount(r, tcs, releaseVersions(tcs))
			fmt.Fprintf(w, "note: the endpoints agree, so there was nothing to bisect. A behaviour that changed and\n"+
				"changed back in between cannot be seen this way: -linear=minors probes the newest patch of every\n"+
				"minor (%d more toolchains, %d to fetch), -linear every release (%d more, %d to fetch).\n", more, fetch, all, fetchAll)
		}
	}
	segs := r.Segments()
	if len(r.Changes) > 1 || r.Mode != bisect.Bisect {
		var parts []string
		for _, s := range segs {
			if s.First == s.Last {
				parts = append(parts, s.Outcome+" "+s.First)
			} else {
				parts = append(parts, fmt.Sprintf("%s %s–%s", s.Outcome, s.First, s.Last))
			}
		}
		fmt.Fprintf(w, "history (probed releases): %s\n", strings.Join(parts, " · "))
	}
	if r.NonMonotone {
		fmt.Fprintln(w, "NON-MONOTONE: an outcome comes back after another one: the behaviour flipped and flipped back, so")
		fmt.Fprintln(w, "  the boundary above is the first change, not the only one.")
	}
	for _, c := range r.Changes[min(1, len(r.Changes)):] {
		if c.Exact() {
			fmt.Fprintf(w, "also changed: last %s: %s; first %s: %s\n", c.Last.Outcome, c.Last.Version, c.First.Outcome, c.First.Version)
			continue
		}
		fmt.Fprintf(w, "also changed, between %s (%s) and %s (%s): %s between them not probed\n  locate it with: %s -from %s -to %s\n",
			c.Last.Version, c.Last.Outcome, c.First.Version, c.First.Outcome, plural(len(c.Between)+len(c.Skipped), "release"), again, c.Last.Version, c.First.Version)
	}
	for _, s := range r.Flaky() {
		onBoundary := ""
		if b := r.Boundary; b != nil && (b.Last.Version == s.Version || b.First.Version == s.Version) {
			onBoundary = "; the boundary rests on it: run again with a larger -repeat"
		}
		fmt.Fprintf(w, "flaky: %s: %s: its runs disagreed, the majority decided the step%s\n", s.Version, s.Label(), onBoundary)
	}
	printInert(w, r.Steps)
	for _, s := range r.Skipped() {
		fmt.Fprintf(w, "skipped: %s: %s\n", s.Version, clipLine(s.Reason, 200))
	}
}

// printInert prints the settings that did not take effect, grouped by
// why: the versions named in a reason vary, so group by the reason of
// the oldest.
func printInert(w io.Writer, steps []bisect.Step) {
	var reasons []string
	inert := map[string][]string{}
	for _, s := range steps {
		for _, why := range s.Inert {
			key := strings.ReplaceAll(why, s.Version, "VERSION")
			if _, ok := inert[key]; !ok {
				reasons = append(reasons, key)
			}
			inert[key] = append(inert[key], s.Version)
		}
	}
	for _, key := range reasons {
		vs := inert[key]
		slices.SortFunc(vs, gover.Compare)
		fmt.Fprintf(w, "inert† on %s: %s\n", strings.Join(vs, ", "), strings.ReplaceAll(key, "VERSION", vs[0]))
		if strings.Contains(key, "GOEXPERIMENT") && strings.Contains(key, "toolchain itself is built") {
			fmt.Fprintln(w, "  hint: -rebuild builds these steps with the toolchain rebuilt with the experiment")
		}
	}
}

// toolchainCount says how many toolchains the search used and fetched.
func toolchainCount(r *bisect.Result, fetched []string) string {
	used, rebuilt := 0, 0
	for _, s := range r.Steps {
		if s.Outcome != results.Skip {
			used++
		}
		if s.Rebuilt {
			rebuilt++
		}
	}
	msg := fmt.Sprintf("%d steps: %d toolchains, %d fetched (%d were installed)", len(r.Steps), used, len(fetched), used-len(fetched))
	if rebuilt > 0 {
		msg += fmt.Sprintf(", %d rebuilt with the experiment", rebuilt)
	}
	return msg
}

func releaseVersions(tcs []toolchain.Toolchain) []string {
	out := make([]string, len(tcs))
	for i, t := range tcs {
		out[i] = t.Version
	}
	return out
}

// unprobed counts the releases of list not probed, and those of them not
// installed.
func unprobedCount(r *bisect.Result, tcs []toolchain.Toolchain, list []string) (n, fetch int) {
	done := map[string]bool{}
	for _, s := range r.Steps {
		done[s.Version] = true
	}
	installed := map[string]bool{}
	for _, t := range tcs {
		installed[t.Version] = t.GOROOT != ""
	}
	for _, v := range list {
		if !done[v] && gover.IsValid(v) {
			n++
			if !installed[v] {
				fetch++
			}
		}
	}
	return n, fetch
}

// plural returns "1 release", "2 releases".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
