package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// maxAnnotations caps the annotations of each kind (error, warning); the
// rest are counted in one more annotation. GitHub itself shows at most
// 10 of each kind per step.
const maxAnnotations = 10

// github reports a run in GitHub Actions' terms, on stderr (the runner
// reads workflow commands from both streams):
//
//   - plain's lines in a ::group:: per toolchain, titled with its
//     outcomes ("go1.13.15: 40 cells: 24 complete, 16 hang"). The
//     scheduler runs builds and cells of several toolchains at once, so a
//     toolchain's lines are kept until its last cell is done and then
//     printed together; meanwhile a line outside the groups marks each
//     tenth of the run ("progress: 48/480 cells (10%), 3 hang"), so the
//     log shows the run is alive. The toolchain fetches overlap the
//     run: their lines (Writer) come between the groups, never inside
//     one.
//   - at Finish, ::error annotations for refuted claims and for cells
//     that contradict a claim, ::warning annotations for claims partly
//     held, flaky or untested, for toolchains that could not be had and
//     for an interrupted run — at most maxAnnotations of each kind, the
//     rest counted in one more;
//   - the results as Markdown appended to $GITHUB_STEP_SUMMARY, cut to
//     fit GitHub's 1 MiB (report.MarkdownLimited).
type github struct {
	mu   sync.Mutex
	o    Options
	w    io.Writer     // the runner's own workflow commands
	text *commandGuard // every other line: it cannot be one

	total, done int
	order       []string                  // toolchains, in the order of the cells
	perTC       map[string]int            // toolchain → its cells
	doneTC      map[string]int            // toolchain → its cells done
	counts      map[string]map[string]int // toolchain → outcome → cells
	lines       map[string][]string       // toolchain → lines not printed yet
	outcomes    map[string]int            // outcome → cells, for progress lines
	tenth       int                       // the last tenth of the run marked
}

func newGitHub(o Options) *github {
	return &github{o: o, w: o.Stderr, text: &commandGuard{w: o.Stderr}, perTC: map[string]int{}, doneTC: map[string]int{}, counts: map[string]map[string]int{},
		lines: map[string][]string{}, outcomes: map[string]int{}}
}

// Writer returns the run's other text (the toolchain manager's lines),
// written between groups: a group is printed whole.
func (g *github) Writer() io.Writer { return lockedWriter{&g.mu, g.text} }

// A lockedWriter writes under a lock.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (g *github) FetchStarted(ts []toolchain.Toolchain) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var names []string
	for _, t := range ts {
		names = append(names, versionLabel(t))
	}
	fmt.Fprintln(g.text, report.PlainText("fetching toolchains: "+strings.Join(names, ", "))+" (the run goes on as each arrives)")
}

func (g *github) ToolchainFetched(toolchain.Toolchain) {}

func (g *github) RunStarted(cells []*matrix.Cell) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total = len(cells)
	for _, c := range cells {
		tc := versionLabel(c.Toolchain)
		if g.perTC[tc] == 0 {
			g.order = append(g.order, tc)
			g.counts[tc] = map[string]int{}
		}
		g.perTC[tc]++
	}
}

func (g *github) BuildDone(req build.Request, res build.Result) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tc := versionLabel(req.Toolchain)
	g.lines[tc] = append(g.lines[tc], buildLine(req, res, false))
}

func (g *github) CellStarted(*matrix.Cell) {}

func (g *github) CellDone(c *matrix.Cell, r *results.Cell) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done++
	g.outcomes[r.Outcome]++
	tc := versionLabel(c.Toolchain)
	if g.counts[tc] == nil { // a cell RunStarted did not announce
		g.order = append(g.order, tc)
		g.counts[tc] = map[string]int{}
		g.perTC[tc]++
	}
	g.doneTC[tc]++
	g.counts[tc][r.Outcome]++
	g.lines[tc] = append(g.lines[tc], cellLine(g.done, g.total, c, r, false))
	if g.doneTC[tc] >= g.perTC[tc] {
		g.flushLocked(tc)
	}
	if g.total >= 20 && g.done*10/g.total > g.tenth && g.done < g.total {
		g.tenth = g.done * 10 / g.total
		line := fmt.Sprintf("progress: %d/%d cells (%d%%)", g.done, g.total, g.done*100/g.total)
		for _, o := range []string{results.Hang, results.Fail, results.BuildError} {
			if n := g.outcomes[o]; n > 0 {
				line += fmt.Sprintf(", %d %s", n, o)
			}
		}
		fmt.Fprintln(g.text, line)
	}
}

// flushLocked prints toolchain tc's group, with -q only its title.
func (g *github) flushLocked(tc string) {
	name := report.PlainText(tc)
	title := fmt.Sprintf("%s: %s", name, cells(g.perTC[tc]))
	if g.doneTC[tc] < g.perTC[tc] {
		title = fmt.Sprintf("%s: %d of %d cells (interrupted)", name, g.doneTC[tc], g.perTC[tc])
	}
	var parts []string
	for _, o := range results.Outcomes {
		if n := g.counts[tc][o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) > 0 {
		title += ": " + strings.Join(parts, ", ")
	}
	if g.o.Quiet {
		fmt.Fprintln(g.text, title)
	} else {
		fmt.Fprintf(g.w, "::group::%s\n", escapeData(title))
		for _, l := range g.lines[tc] {
			fmt.Fprintln(g.text, l)
		}
		fmt.Fprintln(g.w, "::endgroup::")
	}
	delete(g.lines, tc)
}

func (g *github) Finish(r *results.Results) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.text.flush()
	// The toolchains whose cells did not all finish (interrupted).
	for _, tc := range g.order {
		if g.doneTC[tc] < g.perTC[tc] && (g.doneTC[tc] > 0 || len(g.lines[tc]) > 0) {
			g.flushLocked(tc)
		}
	}
	io.WriteString(g.text, claimLines(r, false))
	for _, a := range annotations(r) {
		io.WriteString(g.w, a)
	}
	if path := g.o.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := writeStepSummary(path, r, g.o.FullReport); err != nil {
			fmt.Fprintf(g.w, "::warning title=step summary not written::%s\n", escapeData(err.Error()))
		}
	}
}

// shardless returns the claims to annotate: none in a shard's results,
// which hold only part of each claim's cells (every claim whose cells
// are in other shards reads untested there); the merge annotates them.
func shardless(claims []results.Claim, s *results.Shard) []results.Claim {
	if s != nil {
		return nil
	}
	return claims
}

// An annotation is one workflow command.
type annotation struct {
	title, message string
}

// annotations returns the workflow commands annotating r: errors first,
// then warnings, each kind capped at maxAnnotations (the last one then
// counts the rest).
func annotations(r *results.Results) []string {
	var errs, warns []annotation
	for _, c := range shardless(r.Claims, r.Shard) {
		a := annotation{fmt.Sprintf("claim %s %s", c.ID, c.Verdict), fmt.Sprintf("%s — %s (expected %s of %s)", c.Claim, c.Summary, c.Expect, c.Cells)}
		switch c.Verdict {
		case results.Refuted:
			errs = append(errs, a)
		case results.Partly, results.Flaky, results.Unstable, results.Untested:
			warns = append(warns, a)
		}
	}
	for _, u := range report.Unexpected(r) {
		errs = append(errs, annotation{fmt.Sprintf("unexpected %s: %s", u.Cell.Outcome, u.Cell.ID()), u.Message()})
	}
	for _, t := range r.Toolchains {
		if t.Error != "" {
			warns = append(warns, annotation{"toolchain " + t.Selector + " unavailable", t.Error})
		}
	}
	if !r.Complete {
		warns = append(warns, annotation{"run interrupted", fmt.Sprintf("only %d cells finished; the results are marked incomplete", len(r.Cells))})
	}
	var out []string
	for _, k := range []struct {
		cmd  string
		list []annotation
	}{{"error", errs}, {"warning", warns}} {
		for i, a := range k.list {
			if i == maxAnnotations-1 && len(k.list) > maxAnnotations {
				rest := len(k.list) - i
				out = append(out, fmt.Sprintf("::%s title=%s::%s\n", k.cmd, escapeProperty(fmt.Sprintf("%d more %ss", rest, k.cmd)),
					escapeData(fmt.Sprintf("%d more %s annotations were left out (first: %s); see the job summary or results.json", rest, k.cmd, a.title))))
				break
			}
			out = append(out, fmt.Sprintf("::%s title=%s::%s\n", k.cmd, escapeProperty(a.title), escapeData(a.message)))
		}
	}
	return out
}

// writeStepSummary appends r as Markdown to the step summary file, cut to
// what GitHub accepts in one step, counting what the file already holds.
func writeStepSummary(path string, r *results.Results, full string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	used := int64(0)
	if fi, err := f.Stat(); err == nil {
		used = fi.Size()
	}
	room := report.StepSummaryLimit - int(used) - 1
	if room < 4096 {
		note := fmt.Sprintf("\nThe results did not fit in the step summary (%d bytes of it used already)", used)
		if full != "" {
			note += "; they are in " + report.MarkdownText(full)
		}
		_, err = fmt.Fprintln(f, note+".")
	} else {
		if used > 0 {
			room--
			_, err = io.WriteString(f, "\n")
		}
		if err == nil {
			err = report.MarkdownLimited(f, r, room, full)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	return nil
}

// cells says "1 cell", "2 cells".
func cells(n int) string {
	if n == 1 {
		return "1 cell"
	}
	return fmt.Sprintf("%d cells", n)
}

// escapeData escapes a workflow command's message, which ends at a
// newline, as @actions/core's escapeData does; the runner turns %0A back
// into a line break of the message. Other control characters are
// escaped as report.PlainText does.
func escapeData(s string) string {
	return report.PlainText(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s))
}

// escapeProperty escapes a workflow command's property value, which also
// ends at ':' or ',' (@actions/core's escapeProperty).
func escapeProperty(s string) string {
	return report.PlainText(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s))
}
