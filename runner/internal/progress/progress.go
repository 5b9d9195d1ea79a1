// Package progress reports a run while it goes, to the people and tools
// watching it: plain greppable lines (a line per build and per cell), a
// live status line on a terminal, JSON events for tools (--json), and
// GitHub Actions' groups, annotations and step summary.
//
// The run command makes one Reporter with New and calls it at each step;
// New picks the reporters that suit where the output goes:
//
//	stderr a terminal          live line + a line per build and cell (colour unless NO_COLOR)
//	stderr not a terminal      a line per build and cell
//	GITHUB_ACTIONS=true        lines in a ::group:: per toolchain, ::error/::warning
//	                           annotations at the end, Markdown to $GITHUB_STEP_SUMMARY
//	Options.JSON (--json)      in addition, one JSON event per line on stdout
//
// -q (Options.Quiet) drops the line per build and cell, not the rest.
//
// Text a case or the matrix supplied (names, settings, reasons, build
// errors, claims) is escaped in every line (report.PlainText), so it can
// neither end a line nor colour or move anything; on GitHub, workflow
// command data and properties are escaped as @actions/core escapes them,
// and no other line can be read as a command (commandGuard). The step
// summary is report.MarkdownLimited, escaped as the Markdown report is.
package progress

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A Reporter is told what a run does, in this order: FetchStarted (when
// toolchains are to be fetched), RunStarted once, then ToolchainFetched,
// BuildDone, CellStarted and CellDone as fetches, builds and cells end —
// the fetches overlap the run: a toolchain's cells build and run while
// the next ones download — then Finish once. Calls may come from several
// goroutines but never at the same time (the pipeline serialises them); a
// Reporter may still draw from a goroutine of its own, so its methods
// lock.
type Reporter interface {
	// FetchStarted says the toolchains ts are about to be fetched.
	FetchStarted(ts []toolchain.Toolchain)
	// ToolchainFetched says a fetch ended: t as Ensure returned it, with
	// Error set when it failed.
	ToolchainFetched(t toolchain.Toolchain)
	// RunStarted gives the cells about to run, skipped ones included
	// (their CellDone comes first, at once).
	RunStarted(cells []*matrix.Cell)
	// BuildDone says a build ended.
	BuildDone(req build.Request, res build.Result)
	// CellStarted and CellDone say a cell started and finished.
	CellStarted(c *matrix.Cell)
	CellDone(c *matrix.Cell, r *results.Cell)
	// Finish ends the report with the run's results (complete or not):
	// the live line is cleared, claims' verdicts printed, annotations and
	// the step summary written. Nothing may be called after it.
	Finish(r *results.Results)
	// Writer is where other progress text of the run should go — the
	// toolchain manager's Progress, written while the run goes on: on a
	// terminal it keeps the live line below that text instead of mixing
	// with it.
	Writer() io.Writer
}

// Options says where a run's progress goes.
type Options struct {
	Stderr io.Writer // for people: lines, the live line, annotations
	Stdout io.Writer // JSON events when JSON is set
	// IsTTY says Stderr is a terminal: a live status line is drawn.
	IsTTY bool
	// JSON (--json) writes one JSON event per line to Stdout.
	JSON bool
	// Quiet (-q) prints no line per build and cell.
	Quiet bool
	// Getenv reads NO_COLOR, GITHUB_ACTIONS and GITHUB_STEP_SUMMARY; nil
	// is os.Getenv.
	Getenv func(string) string
	// FullReport says where the full results are, for a step summary cut
	// to fit GitHub's limit ("results/index.html and results/results.json").
	FullReport string
	// Now is the clock (JSON timestamps, ETA); nil is time.Now.
	Now func() time.Time
	// Refresh is how often the live line redraws on its own (elapsed
	// time, ETA); 0 is a second, negative never.
	Refresh time.Duration
	// Width returns the terminal's width for the live line; nil asks the
	// terminal when Stderr is an *os.File, else assumes 80.
	Width func() int
}

// New returns the Reporter for o (see the package comment).
func New(o Options) Reporter {
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Refresh == 0 {
		o.Refresh = time.Second
	}
	if o.Width == nil {
		o.Width = func() int { return 80 }
		if f, ok := o.Stderr.(*os.File); ok {
			o.Width = func() int {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
					return w
				}
				return 80
			}
		}
	}
	var human Reporter
	switch {
	case o.Getenv("GITHUB_ACTIONS") == "true":
		human = newGitHub(o)
	case o.IsTTY:
		human = newTTY(o)
	default:
		human = newPlain(o)
	}
	if !o.JSON {
		return human
	}
	return multi{human, newJSON(o)}
}

// multi sends every call to each of its reporters; the first one's
// Writer is the run's.
type multi []Reporter

func (m multi) FetchStarted(ts []toolchain.Toolchain) {
	for _, r := range m {
		r.FetchStarted(ts)
	}
}

func (m multi) ToolchainFetched(t toolchain.Toolchain) {
	for _, r := range m {
		r.ToolchainFetched(t)
	}
}

func (m multi) RunStarted(cells []*matrix.Cell) {
	for _, r := range m {
		r.RunStarted(cells)
	}
}

func (m multi) BuildDone(req build.Request, res build.Result) {
	for _, r := range m {
		r.BuildDone(req, res)
	}
}

func (m multi) CellStarted(c *matrix.Cell) {
	for _, r := range m {
		r.CellStarted(c)
	}
}

func (m multi) CellDone(c *matrix.Cell, res *results.Cell) {
	for _, r := range m {
		r.CellDone(c, res)
	}
}

func (m multi) Finish(res *results.Results) {
	for _, r := range m {
		r.Finish(res)
	}
}

func (m multi) Writer() io.Writer { return m[0].Writer() }
