package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// plain prints a line per finished build and cell, and the claims'
// verdicts at the end: lines that read well in a log and grep well.
//
//	built busyloop with go1.13.15 GOEXPERIMENT=preemptibleloops (2.1s)
//	built errgroup with go1.22.12 go_line=1.21 (1.5s)
//	[ 3/48] hang        busyloop go1.13.15 P=1  5/5 timeout after 1s
//	[ 4/48] hang        busyloop go1.13.15 P=1 E=preemptibleloops  5/5 timeout after 1s † GOEXPERIMENT=preemptibleloops is inert
//	claim C2 holds: holds on go1.13.15 (8 of 8 cells as expected)
type plain struct {
	mu    sync.Mutex
	w     io.Writer
	text  *commandGuard // what Writer returns: text from elsewhere
	quiet bool
	color bool
	total int
	done  int
}

func newPlain(o Options) *plain {
	return &plain{w: o.Stderr, text: &commandGuard{w: o.Stderr}, quiet: o.Quiet}
}

func (p *plain) FetchStarted([]toolchain.Toolchain)   {}
func (p *plain) ToolchainFetched(toolchain.Toolchain) {}
func (p *plain) CellStarted(*matrix.Cell)             {}
func (p *plain) Writer() io.Writer                    { return p.text }

func (p *plain) RunStarted(cells []*matrix.Cell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = len(cells)
}

func (p *plain) BuildDone(req build.Request, res build.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quiet {
		io.WriteString(p.w, buildLine(req, res, p.color)+"\n")
	}
}

func (p *plain) CellDone(c *matrix.Cell, r *results.Cell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if !p.quiet {
		io.WriteString(p.w, cellLine(p.done, p.total, c, r, p.color)+"\n")
	}
}

func (p *plain) Finish(r *results.Results) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.text.flush()
	io.WriteString(p.w, claimLines(r, p.color))
}

// cellLine is the line of a finished cell: its number, outcome, ID, and
// the runs' counts and time to completion or reason, with the fatal line
// and a † for each setting that did not take effect, as reports mark it.
func cellLine(done, total int, c *matrix.Cell, r *results.Cell, color bool) string {
	detail := ""
	switch {
	case r.Outcome == results.Complete && r.CompleteMS != nil:
		detail = report.FormatMS(*r.CompleteMS)
	case r.Reason != "":
		detail = firstLine(r.Reason)
	}
	if r.FatalLine != "" && !strings.Contains(detail, r.FatalLine) {
		// "exit status 2" says nothing of a panic or a deadlock; the
		// runtime's own line does.
		detail += ": " + firstLine(r.FatalLine)
	}
	if r.Runs > 1 {
		detail = strings.TrimSpace(fmt.Sprintf("%d/%d %s", r.Counts[r.Outcome], r.Runs, detail))
	}
	if r.Flaky {
		detail += " (flaky)"
	}
	if r.Cached {
		detail += " (cached)"
	}
	if len(r.Inert) > 0 {
		detail += " " + inertText(r.Inert)
	}
	outcome := fmt.Sprintf("%-11s", report.PlainText(r.Outcome))
	if color {
		outcome = paint(r.Outcome, outcome)
	}
	line := fmt.Sprintf("[%*d/%d] %s %s", len(fmt.Sprint(total)), done, total, outcome, report.PlainText(cellID(c)))
	if detail = strings.TrimSpace(detail); detail != "" {
		line += "  " + report.PlainText(detail)
	}
	return line
}

// buildLine is the line of a finished build. It names the settings a
// build differs by — GOEXPERIMENT and the go_line axis value — when set,
// so the builds of one case and toolchain can be told apart.
func buildLine(req build.Request, res build.Result, color bool) string {
	what := req.Case.Name + " with " + req.Toolchain.Version
	if req.GOEXPERIMENT != "" {
		what += " GOEXPERIMENT=" + req.GOEXPERIMENT
	}
	if req.GoLine != "" {
		what += " " + matrix.KeyGoLine + "=" + req.GoLine
	}
	what = report.PlainText(what)
	if res.Error != "" {
		failed := "build failed"
		if color {
			failed = paint(results.BuildError, failed)
		}
		return fmt.Sprintf("%s: %s (%.1fs): %s", failed, what, res.Duration.Seconds(), report.PlainText(firstLine(res.Error)))
	}
	if res.Cached {
		return fmt.Sprintf("built %s (reused)", what)
	}
	return fmt.Sprintf("built %s (%.1fs)", what, res.Duration.Seconds())
}

// claimLines says each claim's verdict, a line each.
func claimLines(r *results.Results, color bool) string {
	var b strings.Builder
	for _, c := range r.Claims {
		v := report.PlainText(c.Verdict)
		if color {
			v = paint(c.Verdict, v)
		}
		fmt.Fprintf(&b, "claim %s %s: %s\n", report.PlainText(c.ID), v, report.PlainText(c.Summary))
	}
	return b.String()
}

// inertText says which settings of a cell did not take effect, after
// the mark reports give such a cell: "† GOEXPERIMENT=preemptibleloops is
// inert" (the details of why are in the results).
func inertText(inert []string) string {
	parts := make([]string, len(inert))
	for i, in := range inert {
		in = firstLine(in)
		if j := strings.Index(in, " is inert"); j >= 0 {
			in = in[:j+len(" is inert")]
		}
		parts[i] = in
	}
	return "† " + strings.Join(parts, "; ")
}

// cellID names a cell in lines and events as results.Cell.ID does once it
// ran: "busyloop go1.13.15 P=1", the settings it leaves unset left out.
func cellID(c *matrix.Cell) string {
	id := c.Case.Name + " " + versionLabel(c.Toolchain)
	if s := results.SettingsName(c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLine); s != "" {
		id += " " + s
	}
	return id
}

func versionLabel(t toolchain.Toolchain) string {
	if t.Version == "" {
		return t.Selector
	}
	return t.Version
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// ANSI colours of outcomes and verdicts on a terminal.
var colors = map[string]string{
	results.Complete:   "32", // green
	results.Hang:       "33", // yellow
	results.Fail:       "31", // red
	results.BuildError: "35", // magenta
	results.Skip:       "2",  // dim
	results.Holds:      "32",
	results.Refuted:    "31",
	results.Partly:     "33",
	results.Flaky:      "35",
	results.Unstable:   "33",
	results.Untested:   "2",
}

func paint(key, s string) string {
	if c, ok := colors[key]; ok {
		return "\x1b[" + c + "m" + s + "\x1b[0m"
	}
	return s
}

// colorOK reports whether colour may be used on a terminal: NO_COLOR
// (https://no-color.org) set to anything but "" forbids it, and so does
// TERM=dumb.
func colorOK(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
