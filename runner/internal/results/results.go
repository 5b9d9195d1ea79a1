// Package results is the model of a run's results — the one source of
// truth, serialised as results.json — and its atomic reading and writing.
// Every report format is rendered from it.
package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// SchemaVersion is the version of the results.json format.
const SchemaVersion = 1

// Outcomes of a cell: the only place they are spelled (package run
// classifies a run into the first three, matrix checks claims against
// the first four).
const (
	Complete   = "complete"    // exit 0, or the case's complete_on output seen
	Hang       = "hang"        // still running at the run timeout
	Fail       = "fail"        // non-zero exit, killed by a signal, or over the memory limit
	BuildError = "build-error" // the case did not build with this toolchain and GOEXPERIMENT
	Skip       = "skip"        // not run: outside the case's go constraint, or no toolchain
)

// Outcomes lists the outcomes in the order reports show them.
var Outcomes = []string{Complete, Hang, Fail, BuildError, Skip}

// Results is the content of results.json.
type Results struct {
	Schema   int       `json:"schema"`
	Runner   string    `json:"runner"` // the runner's version
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Complete is false when the run was interrupted: Cells then holds
	// only the cells that finished.
	Complete bool   `json:"complete"`
	Host     Host   `json:"host"`
	Matrix   Matrix `json:"matrix"`
	// MatrixHash identifies the resolved matrix: every cell with what
	// decides its result (see shard.Hash); SourceHash the matrix as
	// written, before its versions were resolved on this platform (see
	// shard.SourceHash). gomatrix merge refuses results whose SourceHash
	// differs, or whose MatrixHash differs on one platform.
	MatrixHash string `json:"matrix_hash,omitempty"`
	SourceHash string `json:"source_hash,omitempty"`
	// Shard is set when the run was one shard of a plan (run -shard).
	Shard *Shard `json:"shard,omitempty"`
	// Hosts lists, in results merged from several hosts (gomatrix merge),
	// each of them; Cell.OS says which one a cell ran on.
	Hosts []Host `json:"hosts,omitempty"`
	// Toolchains are the resolved versions; those this run downloaded
	// say what that took (Fetch).
	Toolchains []toolchain.Toolchain `json:"toolchains"`
	// Stats says where the run's time went.
	Stats Stats `json:"stats"`
	// Rebuilds are the toolchains this run rebuilt with a GOEXPERIMENT
	// (goexperiment_rebuild), with what each took: plans price later
	// rebuilds by them (gomatrix plan -from).
	Rebuilds []Rebuild `json:"rebuilds,omitempty"`
	// Claims are the matrix's claims with the verdicts the cells gave.
	Claims []Claim `json:"claims,omitempty"`
	// Minimums state, for each case with a go.mod of its own, the minimum
	// Go it declares beside the one its cells observed (package compat).
	Minimums []Minimum `json:"minimums,omitempty"`
	// Probes are releases outside the matrix that were tried to locate a
	// minimum between two minors the matrix left a gap between
	// (gomatrix compat bisects it); Minimums count them beside the cells.
	Probes []Probe `json:"probes,omitempty"`
	Cells  []Cell  `json:"cells"`
}

// A Probe is a case tried on a release outside the matrix: every one of
// its cells at the observed minimum, built and run again with that
// release.
type Probe struct {
	Case string `json:"case"` // as Minimum.Case
	Go   string `json:"go"`   // the release, "go1.17.13"
	// Outcome is complete when every cell completed, else the outcome
	// of the first cell that did not, which Reason names.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Cells   int    `json:"cells"` // how many cells were run
}

// Stats are figures about a run as a whole.
type Stats struct {
	WallMS     float64 `json:"wall_ms"`      // from the first fetch or build to the last cell
	Builds     int     `json:"builds"`       // builds (failed ones included)
	Reused     int     `json:"reused"`       // builds whose binary was reused from an earlier run
	BuildMS    float64 `json:"build_ms"`     // their wall time, summed
	BuildCPUMS float64 `json:"build_cpu_ms"` // their CPU time, compilers and linker included
	Runs       int     `json:"runs"`         // processes run (repeats count)
	Cached     int     `json:"cached"`       // cells taken from the result cache
}

// A Rebuild is a toolchain rebuilt with a GOEXPERIMENT baked in.
type Rebuild struct {
	Go           string `json:"go"`
	GOEXPERIMENT string `json:"goexperiment"`
	// MS is its wall time, every one of Host.CPUs cores its own.
	MS    float64 `json:"ms"`
	Error string  `json:"error,omitempty"` // why it failed
}

// Verdicts of a claim.
const (
	Holds    = "holds"    // every cell it is about met the expectation
	Refuted  = "refuted"  // none did
	Partly   = "partly"   // some did: Summary says on which versions
	Flaky    = "flaky"    // a cell it is about gave different outcomes on repeats
	Unstable = "unstable" // repeats disagree on a timing bound, or a run of the same inputs gave another verdict
	Untested = "untested" // no cell could bear on it (skipped, inert, build errors)
)

// A Minimum is a case's declared minimum Go beside the observed one.
type Minimum struct {
	Case string `json:"case"` // the case, or the prefix its package pattern shares
	// Declared is its go.mod's go line ("1.21"); empty when it has none.
	Declared string `json:"declared,omitempty"`
	// Observed is the oldest toolchain from which every newer one built
	// and passed it; empty when the newest failed. Oldest is the oldest
	// tried.
	Observed string `json:"observed,omitempty"`
	Oldest   string `json:"oldest"`
	// Failing is the newest version below Observed, and FirstFailure
	// what failed on it.
	Failing      string `json:"failing,omitempty"`
	FirstFailure string `json:"first_failure,omitempty"`
	// Untried are the minors between that version and Observed that
	// neither a cell nor a probe tried ("1.17"): the real minimum may be
	// among them.
	Untried []string `json:"untried,omitempty"`
	Verdict string   `json:"verdict"`
}

// A Claim is a statement from the matrix with the verdict of the run.
type Claim struct {
	ID      string `json:"id"`
	Claim   string `json:"claim"`
	Source  string `json:"source,omitempty"`
	Cells   string `json:"cells"`  // the selection, "case=busyloop version=<1.14"
	Expect  string `json:"expect"` // the expectation, "hang"
	Verdict string `json:"verdict"`
	// Summary says in a sentence what the cells showed, naming versions.
	Summary string `json:"summary"`
	// Holding and Contradicting list the cells that met and did not meet
	// the expectation ("busyloop go1.13.15 P=1: hang", by Cell.ID; by
	// Cell.LegacyID in results of earlier runners); Flaky the
	// cells whose repeats disagreed; Excluded the selected cells that could
	// not be evidence, with why (inert setting, skip, build-error).
	Holding       []string `json:"holding,omitempty"`
	Contradicting []string `json:"contradicting,omitempty"`
	Flaky         []string `json:"flaky,omitempty"`
	Excluded      []string `json:"excluded,omitempty"`
	// Unstable lists what makes the verdict unstable: cells whose repeats
	// disagree on a timing bound (with the runs outside it), or an earlier
	// run of the same matrix on this host that gave another verdict.
	// Observed is then the verdict this run's cells alone give.
	Unstable []string `json:"unstable,omitempty"`
	Observed string   `json:"observed,omitempty"`
}

// A Shard says which shard of a plan ('gomatrix plan') a run was.
type Shard struct {
	Index int    `json:"index"` // 1-based
	Count int    `json:"count"`
	Plan  string `json:"plan"` // the plan's ID
	// Cells are the keys of the cells the shard was to run
	// ("exit0 go1.26.8 P=2 D=– E=– [local]", see shard.Key), and
	// Positions the index of each in the whole matrix's order: runner
	// merge names the cells missing and puts the cells back in order.
	Cells     []string `json:"cells"`
	Positions []int    `json:"positions"`
}

// Host describes the machine the cells ran on.
type Host struct {
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	CPUs   int    `json:"cpus"`
}

// Matrix records the matrix a run expanded.
type Matrix struct {
	File         string   `json:"file"`
	Versions     []string `json:"versions"`
	GOMAXPROCS   []int    `json:"gomaxprocs"`
	GODEBUG      []string `json:"godebug"`
	GOEXPERIMENT []string `json:"goexperiment"`
	GoLine       []string `json:"go_line,omitempty"`
	Cases        []Case   `json:"cases"`
	Timeout      string   `json:"timeout"`
	BuildTimeout string   `json:"build_timeout"`
	Repeat       int      `json:"repeat"`
	Env          []string `json:"env,omitempty"`
	Filter       []string `json:"filter,omitempty"` // --only flags the run was limited by
}

// Case records one case of the matrix.
type Case struct {
	Name        string `json:"name"`
	Dir         string `json:"dir"`
	Description string `json:"description,omitempty"`
	CompleteOn  string `json:"complete_on"` // "exit" or the output regexp
	Timeout     string `json:"timeout,omitempty"`
	Go          string `json:"go,omitempty"`
	// Kind is "test" for a case that runs a package's tests (kind: test),
	// empty for a program.
	Kind string `json:"kind,omitempty"`
	// Module and Package are the case's module version and package, for a
	// case that tests a published module version.
	Module  string `json:"module,omitempty"`
	Package string `json:"package,omitempty"`
	// GoMod is set when the case has a go.mod of its own (its directory's
	// or its module version's), whose go line is its declared minimum Go.
	GoMod bool `json:"go_mod,omitempty"`
}

// A Cell is the result of one cell: a case under one toolchain and one
// GOMAXPROCS × GODEBUG × GOEXPERIMENT combination.
type Cell struct {
	Case         string `json:"case"`
	Selector     string `json:"selector"` // the versions entry
	Go           string `json:"go"`       // full version, "go1.26.8"
	GOMAXPROCS   int    `json:"gomaxprocs"`
	GODEBUG      string `json:"godebug"`
	GOEXPERIMENT string `json:"goexperiment"`
	// GoLine is the go line the case was built with ("1.22"); GoLineAxis
	// the go_line axis value that asked for it ("toolchain", "1.22"),
	// empty when the matrix has no go_line axis.
	GoLine     string `json:"go_line,omitempty"`
	GoLineAxis string `json:"go_line_axis,omitempty"`
	// GoModAdapted says how the case's go.mod was changed for a toolchain
	// that cannot read it as written ("toolchain line removed").
	GoModAdapted string `json:"go_mod_adapted,omitempty"`
	// OS is the host the cell ran on, "linux/amd64", in results merged
	// from several hosts (gomatrix merge); empty otherwise.
	OS string `json:"os,omitempty"`

	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// Runs is how many times the cell ran; Counts how many runs had each
	// outcome when Runs > 1. Outcome is then the majority; Flaky is set
	// when the runs disagreed.
	Runs   int            `json:"runs"`
	Counts map[string]int `json:"counts,omitempty"`
	Flaky  bool           `json:"flaky,omitempty"`

	ExitCode   *int    `json:"exit_code,omitempty"`
	Signal     string  `json:"signal,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	// CompleteMS is the time until completion: the median over the runs
	// that completed (see Timings for each run).
	CompleteMS *float64 `json:"complete_ms,omitempty"`
	TimeoutMS  int64    `json:"timeout_ms"`
	// BuildMS and BuildCPUMS are the wall and CPU time of the cell's
	// build, shared by the cells that differ only in GOMAXPROCS and
	// GODEBUG; 0 when its binary was reused from an earlier run.
	BuildMS    float64 `json:"build_ms,omitempty"`
	BuildCPUMS float64 `json:"build_cpu_ms,omitempty"`
	// Timings are every run's figures, in the order the runs ended, when
	// the cell ran more than once.
	Timings []Timing `json:"timings,omitempty"`
	// SelfMS is the time the program reported itself (case.yaml self_ms),
	// the median over the runs that reported one. The interval a program
	// measures lies inside the one the runner measures, so TimingError is
	// set when a run's SelfMS exceeds its CompleteMS: the runner's own
	// measurement is then wrong, and says so.
	SelfMS      *float64 `json:"self_ms,omitempty"`
	TimingError string   `json:"timing_error,omitempty"`

	Stdout        *Output `json:"stdout,omitempty"`
	Stderr        *Output `json:"stderr,omitempty"`
	GoroutineDump string  `json:"goroutine_dump,omitempty"`
	FatalLine     string  `json:"fatal_line,omitempty"`
	BuildOutput   string  `json:"build_output,omitempty"`
	Leftovers     int     `json:"leftovers,omitempty"`

	// RuntimeVersion is runtime.Version() recorded in the binary;
	// Experiments the GOEXPERIMENTs it was built with, as it records them.
	RuntimeVersion string `json:"runtime_version,omitempty"`
	Experiments    string `json:"experiments,omitempty"`
	// Variant is set when the toolchain was rebuilt with the cell's
	// GOEXPERIMENT because it reads it only at make.bash time.
	Variant string `json:"variant,omitempty"`
	// Inert says, per setting, why a GODEBUG or GOEXPERIMENT of this cell
	// did not take effect: the cell ran as if it were unset.
	Inert []string `json:"inert,omitempty"`
	// InertError is set when a setting was found inert but the outcomes
	// prove it took effect: the same cell without it had no outcome in
	// common with this one (settings.CheckInert). The mark is then gone
	// from Inert and this says what detection said and what the cells
	// showed.
	InertError string `json:"inert_error,omitempty"`

	// Tests are the outcomes of the tests a test case ran (kind: test), in
	// the order they started, from the run the cell's outcome comes from.
	Tests []Test `json:"tests,omitempty"`

	Reproduce string `json:"reproduce,omitempty"`
	// Fragile is set when a complete cell took more than half of its
	// timeout: a slower machine could have made it a hang.
	Fragile string `json:"fragile,omitempty"`
	// Cached is set when the result was taken from the result cache
	// rather than run again (run -rerun runs every cell).
	Cached bool `json:"cached,omitempty"`
}

// Outcomes of one test of a test case.
const (
	TestPass = "pass"
	TestFail = "fail"
	TestSkip = "skip"
	// TestRunning is a test that had started and not ended when the run
	// stopped: at the timeout (the cell is a hang), or when the test
	// binary exited early (os.Exit in a test).
	TestRunning = "running"
)

// A Test is one test's outcome in a cell of a test case.
type Test struct {
	// Name is the test's name as go test prints it: "TestParse",
	// "TestParse/empty" for a subtest.
	Name      string  `json:"name"`
	Outcome   string  `json:"outcome"` // TestPass, TestFail, TestSkip, TestRunning
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
	// Output is the last lines the test printed (its log, a failure's
	// message), bounded.
	Output string `json:"output,omitempty"`
}

// A Timing is what one run of a cell measured.
type Timing struct {
	Outcome    string   `json:"outcome"`
	DurationMS float64  `json:"duration_ms"`
	CompleteMS *float64 `json:"complete_ms,omitempty"`
	SelfMS     *float64 `json:"self_ms,omitempty"`
}

// CompleteTimes returns the complete_ms of every run of c that
// completed: each run's with Timings, else the cell's own.
func (c *Cell) CompleteTimes() []float64 {
	var out []float64
	for _, t := range c.Timings {
		if t.CompleteMS != nil {
			out = append(out, *t.CompleteMS)
		}
	}
	if len(c.Timings) == 0 && c.CompleteMS != nil {
		out = append(out, *c.CompleteMS)
	}
	return out
}

// Output is a bounded excerpt of one output stream, as package run keeps
// it while the stream is read.
type Output struct {
	// Head is the first bytes of the stream, up to the run's output limit
	// (64 KiB).
	Head string `json:"head,omitempty"`
	// Tail is the last bytes (at most the limit) that are not in Head; it
	// is empty unless Bytes > len(Head).
	Tail string `json:"tail,omitempty"`
	// Bytes counts everything the stream carried.
	Bytes int64 `json:"bytes"`
	// Truncated reports that bytes between Head and Tail were dropped.
	Truncated bool `json:"truncated,omitempty"`
}

// Tally counts cells by outcome and formats each non-zero count with
// format, in the order of Outcomes, joined by sep; "" when there are none.
func Tally(cells []Cell, format func(outcome string, n int) string, sep string) string {
	counts := map[string]int{}
	for _, c := range cells {
		counts[c.Outcome]++
	}
	var parts []string
	for _, o := range Outcomes {
		if counts[o] > 0 {
			parts = append(parts, format(o, counts[o]))
		}
	}
	return strings.Join(parts, sep)
}

// Settings names the runtime settings a cell sets, as its name shows
// them: "P=1 D=asyncpreemptoff=1", "" when it sets none (see
// SettingsName).
func (c *Cell) Settings() string {
	return SettingsName(c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis)
}

// SettingsName names settings as cell names show them: "P=" GOMAXPROCS,
// "D=" GODEBUG, "E=" GOEXPERIMENT and "L=" the go_line axis value, in
// that order, each only when set (procs 0 and "" are unset). Every
// setting shown carries its letter, so the name of each combination is
// its own: "P=1" is GOMAXPROCS=1 with nothing else set.
func SettingsName(procs int, godebug, goexperiment, goLine string) string {
	var parts []string
	if procs > 0 {
		parts = append(parts, "P="+strconv.Itoa(procs))
	}
	for _, s := range []struct{ k, v string }{{"D=", godebug}, {"E=", goexperiment}, {"L=", goLine}} {
		if s.v != "" {
			parts = append(parts, s.k+s.v)
		}
	}
	return strings.Join(parts, " ")
}

// legacySettings names every setting, "–" for an unset one: "P=1 D=– E=–"
// (see LegacyID).
func (c *Cell) legacySettings() string {
	p := "–"
	if c.GOMAXPROCS > 0 {
		p = strconv.Itoa(c.GOMAXPROCS)
	}
	s := fmt.Sprintf("P=%s D=%s E=%s", p, orDash(c.GODEBUG), orDash(c.GOEXPERIMENT))
	if c.GoLineAxis != "" {
		s += " L=" + c.GoLineAxis
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// ID names the cell in reports and progress lines: its case, version
// and the settings it sets, "busyloop go1.13.15 P=1" (see SettingsName),
// with " [darwin/arm64]" after it in results merged from several hosts.
func (c *Cell) ID() string {
	return c.name(c.Settings())
}

// LegacyID is the name earlier runners gave the cell, every setting
// shown and "–" for one unset: "busyloop go1.13.15 P=1 D=– E=–". The
// claims of results.json files they wrote name cells by it.
func (c *Cell) LegacyID() string {
	return c.name(c.legacySettings())
}

func (c *Cell) name(settings string) string {
	v := c.Go
	if v == "" {
		v = c.Selector
	}
	id := c.Case + " " + v
	if settings != "" {
		id += " " + settings
	}
	if c.OS != "" {
		id += " [" + c.OS + "]"
	}
	return id
}

// Read reads a results.json file.
func Read(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read results %s: %w", path, err)
	}
	if r.Schema != SchemaVersion {
		return nil, fmt.Errorf("read results %s: schema %d, this runner reads %d\nhint: re-run the matrix to regenerate it", path, r.Schema, SchemaVersion)
	}
	return &r, nil
}

// Marshal returns r as indented JSON with a trailing newline.
func Marshal(r *Results) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile writes data to path atomically: a reader, or a kill at any
// instant, sees the previous file or the new one, never a torn one.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
