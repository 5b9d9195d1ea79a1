package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Delta is what changed between two runs' results: cells whose outcome
// (or flakiness) changed, cells added and removed, claims whose verdict
// changed. Diff computes it; DiffText and DiffMarkdown render it.
//
// A Delta's regressions are, precisely:
//
//   - a cell whose outcome moved from complete to hang, fail or
//     build-error;
//   - a claim whose verdict moved from holds to any other verdict;
//   - a cell of the old run that the new run does not have, unless it was
//     a skip in the old run (a skip recorded no behaviour to lose). An
//     interrupted new run, which lacks the cells that did not finish,
//     therefore regresses;
//   - in a cell of a test case both runs have, a test that passed and now
//     fails or had not ended (the cell hung in it, or the test binary
//     exited in it) — even when the cell's outcome did not change, as a
//     cell that failed and now fails in one more test.
//
// Everything else (a hang that now completes, a cell or claim added, a
// claim removed, a verdict that moved between refuted and partly, a cell
// that became flaky with the same majority outcome, a test added,
// removed or now skipped) is reported but is not a regression.
type Delta struct {
	// OldName and NewName name the runs in renderings (file names);
	// Diff leaves them empty.
	OldName, NewName string
	Old, New         *results.Results

	Changed []CellChange    // new hangs first, then fail, build-error, complete, skip
	Added   []*results.Cell // cells only the new run has, in its order
	Removed []*results.Cell // cells only the old run has, in its order
	Claims  []ClaimChange   // verdicts changed, claims added and removed
	// Tests are the tests whose outcome changed in cells both runs have
	// and in which both ran tests (see testChanges), regressions first.
	Tests []TestChange
	// Moved lists the toolchains that changed release under the same
	// selector ("local: go1.26.8 → go1.26.9"), whose cells were compared.
	Moved     []string
	Unchanged int // cells in both runs with the same outcome
}

// A CellChange is one cell in both runs whose outcome or flakiness
// changed. Old and New may differ in Go when the cell's toolchain moved
// to another release under the same selector.
type CellChange struct {
	Old, New   *results.Cell
	Regression bool
}

// A ClaimChange is a claim whose verdict changed; Old is nil for a claim
// only the new run has, New nil for one it lacks.
type ClaimChange struct {
	ID         string
	Old, New   *results.Claim
	Regression bool
}

// Regressions counts the regressions of d (see Delta).
func (d *Delta) Regressions() int {
	n := 0
	for _, c := range d.Changed {
		if c.Regression {
			n++
		}
	}
	for _, c := range d.Removed {
		if c.Outcome != results.Skip {
			n++
		}
	}
	for _, c := range d.Claims {
		if c.Regression {
			n++
		}
	}
	for _, t := range d.Tests {
		if t.Regression {
			n++
		}
	}
	return n
}

// Empty reports whether the runs agree on every cell, test and claim.
func (d *Delta) Empty() bool {
	return len(d.Changed)+len(d.Added)+len(d.Removed)+len(d.Claims)+len(d.Tests) == 0
}

// Diff compares two runs. A cell of one is the same cell of the other
// when case, version, GOMAXPROCS, GODEBUG, GOEXPERIMENT, go line axis
// value and host are equal;
// cells left over are then paired when their case, settings and selector
// agree and exactly one cell of each run is left for them — first within
// a language version (go1.26.8 and go1.26.9 under ">=1.13"), then across
// ("local" moved from go1.25.5 to go1.26.8, or a toolchain that could not
// be had now can). Claims are the same claim when their IDs are equal.
func Diff(old, new *results.Results) *Delta {
	d := &Delta{Old: old, New: new}
	pr := pairCells(old.Cells, new.Cells)
	d.compareCells(pr)
	d.Claims = claimChanges(old.Claims, new.Claims)
	return d
}

// A pairing says which cell of the new run is each cell of the old.
type pairing struct {
	oldPair []int  // index into the new cells, or -1
	newUsed []bool // paired with an old cell
}

// pairCells pairs the cells of two runs, as Diff says.
func pairCells(old, new []results.Cell) pairing {
	pr := pairing{oldPair: make([]int, len(old)), newUsed: make([]bool, len(new))}
	for i := range pr.oldPair {
		pr.oldPair[i] = -1
	}
	// Exact matches; a key seen twice in a run (two include entries
	// giving one cell different env) is told apart by occurrence.
	exact := map[string]int{}
	for j, k := range occurrenceKeys(new) {
		exact[k] = j
	}
	for i, k := range occurrenceKeys(old) {
		if j, ok := exact[k]; ok {
			pr.oldPair[i], pr.newUsed[j] = j, true
		}
	}
	// Then by selector, within a language version, then across.
	for _, lang := range []bool{true, false} {
		pr.pairMoved(old, new, lang)
	}
	return pr
}

// pairMoved pairs the cells left over whose moveKey is shared by exactly
// one cell of each run.
func (pr *pairing) pairMoved(old, new []results.Cell, lang bool) {
	olds, news := map[string][]int{}, map[string][]int{}
	for i := range old {
		if pr.oldPair[i] < 0 {
			k := moveKey(&old[i], lang)
			olds[k] = append(olds[k], i)
		}
	}
	for j := range new {
		if !pr.newUsed[j] {
			k := moveKey(&new[j], lang)
			news[k] = append(news[k], j)
		}
	}
	for k, is := range olds {
		if js := news[k]; len(is) == 1 && len(js) == 1 {
			pr.oldPair[is[0]], pr.newUsed[js[0]] = js[0], true
		}
	}
}

// compareCells sets the cell changes of d from the pairing of its runs'
// cells: removed, moved, unchanged, changed (sorted) and added.
func (d *Delta) compareCells(pr pairing) {
	moved := map[string]bool{}
	for i := range d.Old.Cells {
		o := &d.Old.Cells[i]
		if pr.oldPair[i] < 0 {
			d.Removed = append(d.Removed, o)
			continue
		}
		n := &d.New.Cells[pr.oldPair[i]]
		d.Tests = append(d.Tests, testChanges(o, n)...)
		if o.Go != n.Go {
			m := fmt.Sprintf("%s: %s → %s", n.Selector, versionLabel(o), versionLabel(n))
			if !moved[m] {
				moved[m] = true
				d.Moved = append(d.Moved, m)
			}
		}
		if o.Outcome == n.Outcome && o.Flaky == n.Flaky {
			d.Unchanged++
			continue
		}
		d.Changed = append(d.Changed, CellChange{Old: o, New: n, Regression: regressed(o.Outcome, n.Outcome)})
	}
	for j := range d.New.Cells {
		if !pr.newUsed[j] {
			d.Added = append(d.Added, &d.New.Cells[j])
		}
	}
	sort.SliceStable(d.Changed, func(i, j int) bool {
		a, b := d.Changed[i], d.Changed[j]
		if x, y := severity(a.New.Outcome), severity(b.New.Outcome); x != y {
			return x < y
		}
		return a.Regression && !b.Regression
	})
	sort.SliceStable(d.Tests, func(i, j int) bool { return d.Tests[i].Regression && !d.Tests[j].Regression })
}

// claimChanges lists the claims whose verdict changed, then those only
// the new run has and those only the old has, regressions first.
func claimChanges(old, new []results.Claim) []ClaimChange {
	var out []ClaimChange
	oldClaims := map[string]*results.Claim{}
	for i := range old {
		oldClaims[old[i].ID] = &old[i]
	}
	inNew := map[string]bool{}
	for i := range new {
		n := &new[i]
		inNew[n.ID] = true
		o := oldClaims[n.ID]
		switch {
		case o == nil:
			out = append(out, ClaimChange{ID: n.ID, New: n})
		case o.Verdict != n.Verdict:
			out = append(out, ClaimChange{ID: n.ID, Old: o, New: n, Regression: o.Verdict == results.Holds})
		}
	}
	for i := range old {
		if o := &old[i]; !inNew[o.ID] {
			out = append(out, ClaimChange{ID: o.ID, Old: o})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Regression && !out[j].Regression })
	return out
}

// regressed says whether a cell moving from outcome a to b is a regression.
func regressed(a, b string) bool {
	return a == results.Complete && (b == results.Hang || b == results.Fail || b == results.BuildError)
}

// severity orders outcomes for the list of changes: new hangs first.
func severity(o string) int {
	switch o {
	case results.Hang:
		return 0
	case results.Fail:
		return 1
	case results.BuildError:
		return 2
	case results.Complete:
		return 3
	}
	return 4
}

func versionLabel(c *results.Cell) string {
	if c.Go == "" {
		return c.Selector
	}
	return c.Go
}

// cellKey is what makes a cell itself: its case, version (when asked
// for), settings — every axis, the go line's too, or cells differing only
// by it would be taken for each other — and host.
func cellKey(c *results.Cell, version bool) string {
	v := ""
	if version {
		v = c.Go
		if v == "" {
			v = "selector " + c.Selector
		}
	}
	return fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%s\x00%s\x00%s", c.Case, v, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis, c.OS)
}

// occurrenceKeys returns the exact key of each cell, numbered when the
// same key occurs more than once.
func occurrenceKeys(cells []results.Cell) []string {
	seen := map[string]int{}
	keys := make([]string, len(cells))
	for i := range cells {
		k := cellKey(&cells[i], true)
		keys[i] = fmt.Sprintf("%s#%d", k, seen[k])
		seen[k]++
	}
	return keys
}

// moveKey groups cells that may be one cell whose toolchain moved.
func moveKey(c *results.Cell, lang bool) string {
	k := cellKey(c, false) + "\x00" + c.Selector
	if lang {
		k += "\x00" + gover.Lang(c.Go)
	}
	return k
}

// cellState is a cell's outcome as the diff shows it: "complete",
// "hang (flaky, 3/5)".
func cellState(c *results.Cell) string {
	s := c.Outcome
	if c.Flaky {
		s += fmt.Sprintf(" (flaky, %d/%d)", c.Counts[c.Outcome], c.Runs)
	}
	return s
}

// changedID names a changed cell by its new ID, with the old version when
// the toolchain moved.
func changedID(ch CellChange) string {
	id := ch.New.ID()
	if ch.Old.Go != ch.New.Go {
		id += " (was " + versionLabel(ch.Old) + ")"
	}
	return id
}

func runLabel(name string, r *results.Results) string {
	s := fmt.Sprintf("%d cells", len(r.Cells))
	if !r.Started.IsZero() {
		s += ", started " + r.Started.UTC().Format("2006-01-02 15:04 UTC")
	}
	if !r.Complete {
		s += ", interrupted"
	}
	if name == "" {
		return s
	}
	return name + " (" + s + ")"
}

// tally counts the changes; tests only when a run has a test case, so
// that diffs of programs read as before.
func (d *Delta) tally() string {
	s := fmt.Sprintf("%d unchanged, %d changed, %d added, %d removed, %d claims changed",
		d.Unchanged, len(d.Changed), len(d.Added), len(d.Removed), len(d.Claims))
	if d.hasTests() {
		s += fmt.Sprintf(", %d tests changed", len(d.Tests))
	}
	return s
}

// hasTests reports whether either run has a test case.
func (d *Delta) hasTests() bool {
	return len(isTestCase(d.Old))+len(isTestCase(d.New)) > 0
}

func regressionsText(n int) string {
	switch n {
	case 0:
		return "no regression"
	case 1:
		return "1 regression"
	}
	return fmt.Sprintf("%d regressions", n)
}

// RegressionDefinition says what a regression is, for help texts and
// reports; cellRegressions is what it says of cells and claims, all that
// concerns runs without a test case.
const (
	regressionCells      = "a regression is a cell whose outcome went from complete to hang, fail or build-error, "
	cellRegressions      = regressionCells + "a claim that held and no longer does, or a cell the new run lacks (unless it was a skip)"
	RegressionDefinition = regressionCells + "a claim that held and no longer does, a cell the new run lacks (unless it was a skip), " +
		"or a test of a test case that passed in a cell and now fails or does not end there"
)

// definition is the part of RegressionDefinition that concerns d's runs.
func (d *Delta) definition() string {
	if d.hasTests() {
		return RegressionDefinition
	}
	return cellRegressions
}

// DiffText writes d as plain lines, one per change, each starting with
// its kind (changed, added, removed, test, claim), so they grep well; the
// last line tallies the changes and regressions.
func DiffText(w io.Writer, d *Delta) error {
	p := &printer{w: w}
	p.printf("old: %s\nnew: %s\n", PlainText(runLabel(d.OldName, d.Old)), PlainText(runLabel(d.NewName, d.New)))
	for _, m := range d.Moved {
		p.printf("toolchain %s\n", PlainText(m))
	}
	mark := func(reg bool) string {
		if reg {
			return "  [regression]"
		}
		return ""
	}
	for _, ch := range d.Changed {
		p.printf("changed  %s: %s → %s%s\n", PlainText(changedID(ch)), PlainText(cellState(ch.Old)), PlainText(cellState(ch.New)), mark(ch.Regression))
	}
	for _, c := range d.Added {
		p.printf("added    %s: %s\n", PlainText(c.ID()), PlainText(cellState(c)))
	}
	for _, c := range d.Removed {
		p.printf("removed  %s: was %s%s\n", PlainText(c.ID()), PlainText(cellState(c)), mark(c.Outcome != results.Skip))
	}
	for _, t := range d.Tests {
		p.printf("test     %s in %s: %s%s\n", PlainText(t.Name), PlainText(t.cellID()), PlainText(t.change()), mark(t.Regression))
	}
	for _, c := range d.Claims {
		id := PlainText(c.ID)
		switch {
		case c.Old == nil:
			p.printf("claim    %s: added, %s (%s)\n", id, PlainText(c.New.Verdict), PlainText(oneLine(c.New.Claim)))
		case c.New == nil:
			p.printf("claim    %s: removed, was %s (%s)\n", id, PlainText(c.Old.Verdict), PlainText(oneLine(c.Old.Claim)))
		default:
			p.printf("claim    %s: %s → %s%s (%s)\n", id, PlainText(c.Old.Verdict), PlainText(c.New.Verdict), mark(c.Regression), PlainText(oneLine(c.New.Claim)))
		}
	}
	p.printf("%s; %s\n", d.tally(), regressionsText(d.Regressions()))
	return p.err
}

// DiffMarkdown writes d as GitHub-flavoured Markdown: a verdict line,
// then tables of changed, added and removed cells, changed tests and
// changed claims.
func DiffMarkdown(w io.Writer, d *Delta) error {
	p := &printer{w: w}
	p.printf("# Changes between runs\n\n")
	p.printf("- old: %s\n- new: %s\n", mdName(runLabel(d.OldName, d.Old)), mdName(runLabel(d.NewName, d.New)))
	for _, m := range d.Moved {
		p.printf("- toolchain %s\n", MarkdownText(m))
	}
	p.printf("\n")
	if n := d.Regressions(); n > 0 {
		p.printf("**⚠️ %s**: %s.\n\n", regressionsText(n), d.tally())
	} else {
		p.printf("No regression: %s.\n\n", d.tally())
	}
	reg := func(b bool) string {
		if b {
			return "⚠️ regression"
		}
		return ""
	}
	state := func(c *results.Cell) string { return symbols[c.Outcome] + " " + MarkdownText(cellState(c)) }
	if len(d.Changed) > 0 {
		p.printf("## Changed cells\n\n| cell | old | new | |\n|---|---|---|---|\n")
		for _, ch := range d.Changed {
			p.printf("| %s | %s | %s | %s |\n", MarkdownText(changedID(ch)), state(ch.Old), state(ch.New), reg(ch.Regression))
		}
		p.printf("\n")
	}
	if len(d.Added) > 0 {
		p.printf("## Added cells\n\n| cell | outcome |\n|---|---|\n")
		for _, c := range d.Added {
			p.printf("| %s | %s |\n", MarkdownText(c.ID()), state(c))
		}
		p.printf("\n")
	}
	if len(d.Removed) > 0 {
		p.printf("## Removed cells\n\n| cell | was | |\n|---|---|---|\n")
		for _, c := range d.Removed {
			p.printf("| %s | %s | %s |\n", MarkdownText(c.ID()), state(c), reg(c.Outcome != results.Skip))
		}
		p.printf("\n")
	}
	mdTestChanges(p, d.Tests, reg)
	if len(d.Claims) > 0 {
		p.printf("## Claims\n\n| id | claim | old | new | |\n|---|---|---|---|---|\n")
		for _, c := range d.Claims {
			text, old, new := "", "—", "—"
			if c.Old != nil {
				text, old = c.Old.Claim, verdictText(c.Old.Verdict)
			}
			if c.New != nil {
				text, new = c.New.Claim, verdictText(c.New.Verdict)
			}
			p.printf("| %s | %s | %s | %s | %s |\n", MarkdownText(c.ID), MarkdownText(text), old, new, reg(c.Regression))
		}
		p.printf("\n")
	}
	def := d.definition()
	p.printf("<sub>%s.</sub>\n", strings.ToUpper(def[:1])+def[1:])
	return p.err
}

// mdName quotes the file name at the start of a run label as code.
func mdName(label string) string {
	name, rest, ok := strings.Cut(label, " (")
	if !ok {
		return MarkdownText(label)
	}
	return markdownCode(name) + " (" + MarkdownText(rest)
}
