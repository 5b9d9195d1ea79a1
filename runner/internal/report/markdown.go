// Package report renders results.json into the formats people read.
// Each format is a function of the results alone, so a committed report
// can be checked against the results.json it came from.
package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// symbols mark outcomes in tables; the legend spells them out.
var symbols = map[string]string{
	results.Complete:   "✅",
	results.Hang:       "⏳",
	results.Fail:       "❌",
	results.BuildError: "🔨",
	results.Skip:       "⏭️",
}

// Markdown writes r as GitHub-flavoured Markdown: a summary, then one
// table per run with a row per case × version and a column per
// GOMAXPROCS × GODEBUG × GOEXPERIMENT (× go line, when the matrix has
// that axis) combination, then a section per test case on the tests
// that differ between its cells, then the notes that explain failures.
func Markdown(w io.Writer, r *results.Results) error {
	p := &printer{w: w}
	mdSummary(p, r)
	mdToolchains(p, r)
	mdClaims(p, r)
	mdMinimums(p, r)
	table := NewTable(r)
	mdOutcomes(p, table)
	mdTests(p, r, table)
	mdNotes(p, r)
	mdCases(p, r)
	return p.err
}

// mdSummary writes the title and what was run where, with the counts of
// outcomes.
func mdSummary(p *printer, r *results.Results) {
	p.printf("# Results\n\n")
	status := "complete"
	if !r.Complete {
		status = "**incomplete** (interrupted: only finished cells are shown)"
	}
	p.printf("Matrix %s on %s/%s with %d CPUs, %d cells, run %s by runner %s.\n\n",
		markdownCode(r.Matrix.File), MarkdownText(r.Host.GOOS), MarkdownText(r.Host.GOARCH), r.Host.CPUs, len(r.Cells), status, MarkdownText(r.Runner))
	p.printf("%s\n\n", countLine(r.Cells))
	if n := cachedCount(r.Cells); n > 0 {
		p.printf("%d of the %d cells were taken from the result cache, not run again (`-rerun` runs every cell).\n\n", n, len(r.Cells))
	}
}

// mdToolchains writes the table of toolchains each selector resolved to.
func mdToolchains(p *printer, r *results.Results) {
	if len(r.Toolchains) == 0 {
		return
	}
	p.printf("| selector | toolchain | source |\n|---|---|---|\n")
	for _, t := range r.Toolchains {
		v := markdownCode(t.Version)
		if t.Error != "" {
			v = "unavailable: " + MarkdownText(firstLine(t.Error))
		}
		p.printf("| %s | %s | %s |\n", markdownCode(t.Selector), v, MarkdownText(t.Source))
	}
	p.printf("\n")
}

// mdClaims writes the table of claims and their verdicts, then the
// evidence of those not every cell bore out.
func mdClaims(p *printer, r *results.Results) {
	if len(r.Claims) == 0 {
		return
	}
	p.printf("## Claims\n\n")
	p.printf("| id | claim | cells | expected | verdict | what the cells showed |\n|---|---|---|---|---|---|\n")
	for _, c := range r.Claims {
		p.printf("| %s | %s | %s | %s | %s | %s |\n", MarkdownText(c.ID), MarkdownText(c.Claim), markdownCode(c.Cells), MarkdownText(c.Expect),
			verdictText(c.Verdict), MarkdownText(c.Summary))
	}
	p.printf("\n")
	names := cellNames(r.Cells)
	evidence := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i], _ = evidenceText(l, r.Cells, names)
		}
		return out
	}
	for _, c := range r.Claims {
		if len(c.Contradicting)+len(c.Flaky)+len(c.Unstable)+len(c.Excluded) == 0 {
			continue
		}
		p.printf("<details><summary>%s: evidence (%d as expected, %d contradicting, %d flaky, %s%d excluded)</summary>\n\n",
			markdownHTML(c.ID), len(c.Holding), len(c.Contradicting), len(c.Flaky), unstableCount(c), len(c.Excluded))
		mdList(p, "Contradicting", evidence(c.Contradicting))
		mdList(p, "Flaky", evidence(c.Flaky))
		mdList(p, "Unstable", evidence(c.Unstable))
		mdList(p, "Excluded", evidence(c.Excluded))
		p.printf("</details>\n\n")
	}
}

// mdList writes items as a list under title, or nothing when there are none.
func mdList(p *printer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	p.printf("%s:\n\n", title)
	for _, it := range items {
		p.printf("- %s\n", MarkdownText(it))
	}
	p.printf("\n")
}

// mdGridHeader writes the header of a grid over table's columns: first
// ("| case | go |"), an os column in results from several hosts, then a
// column per setting combination.
func mdGridHeader(p *printer, first string, table *Table) {
	p.printf("%s", first)
	if table.HasOS() {
		p.printf(" os |")
	}
	for _, col := range table.columnLabels() {
		p.printf(" %s |", MarkdownText(col))
	}
	p.printf("\n|---|---|")
	if table.HasOS() {
		p.printf("---|")
	}
	p.printf("%s\n", strings.Repeat("---|", len(table.Columns)))
}

// mdOutcomes writes the table of outcomes and its legend.
func mdOutcomes(p *printer, table *Table) {
	p.printf("## Outcomes\n\n")
	osCol := table.HasOS()
	mdGridHeader(p, "| case | go |", table)
	for _, row := range table.Rows {
		p.printf("| %s | %s |", MarkdownText(row.Case), MarkdownText(row.Go))
		if osCol {
			p.printf(" %s |", MarkdownText(row.OS))
		}
		for _, c := range row.Cells {
			p.printf(" %s |", cellText(c))
		}
		p.printf("\n")
	}
	p.printf("\nColumns: %s. ", columnsLegend(table))
	p.printf("Legend: %s complete (time until completion), %s hang (still running at the timeout), %s fail, %s build-error, %s skip; "+
		"N/M counts the runs of a repeated cell that had its outcome (5/5: all of them), and (flaky) marks a cell whose runs disagreed; "+
		"† %s (see Notes).\n",
		symbols[results.Complete], symbols[results.Hang], symbols[results.Fail], symbols[results.BuildError], symbols[results.Skip], inertLegend)
}

// inertLegend says what † marks, in every grid's legend.
const inertLegend = "a GODEBUG or GOEXPERIMENT setting of the cell did not take effect: it ran as if the setting were unset"

// columnsLegend spells out the letters of the axes t's columns show
// (see Table.axes), and the dash when a column has one.
func columnsLegend(t *Table) string {
	var parts []string
	for _, a := range t.axes() {
		parts = append(parts, a.letter+" = "+a.name)
	}
	for _, l := range t.columnLabels() {
		if strings.Contains(l, "=–") {
			return strings.Join(append(parts, "– = unset"), ", ")
		}
	}
	return strings.Join(parts, ", ")
}

// mdNotes writes the notes that explain failures (see notes).
func mdNotes(p *printer, r *results.Results) {
	lines := notes(r.Cells, gorootsOf(r))
	if len(lines) == 0 {
		return
	}
	p.printf("\n## Notes\n\n")
	for _, n := range lines {
		p.printf("- %s\n", n)
	}
}

// mdCases writes the list of cases, each with its directory, how it
// completes, its go constraint, the module version it tests and its
// description.
func mdCases(p *printer, r *results.Results) {
	if len(r.Matrix.Cases) == 0 {
		return
	}
	p.printf("\n## Cases\n\n")
	for _, c := range r.Matrix.Cases {
		p.printf("- %s (%s, %s", markdownCode(c.Name), MarkdownText(c.Dir), completeOn(c))
		if c.Go != "" {
			p.printf(", go %s", MarkdownText(c.Go))
		}
		if c.Module != "" {
			p.printf(", module %s", markdownCode(c.Module))
			if c.Package != "" {
				p.printf(" package %s", markdownCode(c.Package))
			}
		}
		p.printf(")")
		if c.Description != "" {
			p.printf(": %s", MarkdownText(oneLine(c.Description)))
		}
		p.printf("\n")
	}
}

// completeOn says how a case runs: a test case runs its tests, a program
// completes on exit 0 or on its awaited output.
func completeOn(c results.Case) string {
	switch {
	case c.Kind == "test":
		return "runs its tests"
	case c.CompleteOn == "exit" || c.CompleteOn == "":
		return "completes on exit 0"
	}
	return "completes on output " + markdownCode(c.CompleteOn)
}

// A Table arranges cells in rows (case × version) and columns
// (GOMAXPROCS × GODEBUG × GOEXPERIMENT × go line), both in the matrix's
// order.
type Table struct {
	// Columns name the columns by their value on each axis the table
	// shows (see axes): "P=1 D=–".
	Columns []string
	Rows    []Row
	// GoLine is set when the results have a go_line axis (see
	// HasGoLineAxis): the columns' names then end in " L=…".
	GoLine bool
}

// A gridAxis is a setting the columns of a grid vary by: its letter in
// names ("P"), its name ("GOMAXPROCS"), and a cell's value on it, ""
// when the cell leaves it unset.
type gridAxis struct {
	letter, name string
	value        func(c *results.Cell) string
}

// gridAxes are the axes of the columns, outermost first, as the columns
// are sorted (see columnRank).
var gridAxes = []gridAxis{
	{"P", "GOMAXPROCS", func(c *results.Cell) string { return procsText(c.GOMAXPROCS) }},
	{"D", "GODEBUG", func(c *results.Cell) string { return c.GODEBUG }},
	{"E", "GOEXPERIMENT", func(c *results.Cell) string { return c.GOEXPERIMENT }},
	{"L", "go line", func(c *results.Cell) string { return c.GoLineAxis }},
}

func procsText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// label is c's value on a as a column header shows it: "P=1", "D=–"
// when c leaves it unset.
func (a gridAxis) label(c *results.Cell) string {
	v := a.value(c)
	if v == "" {
		v = "–"
	}
	return a.letter + "=" + v
}

// shownAxes are the axes columns of cells show: those some cell sets,
// and the go line's whenever goLine is set — an axis no cell sets would
// only say "unset" in every column, as cell names leave it out — or
// GOMAXPROCS alone when there is none, so that a column has a name.
func shownAxes(cells []*results.Cell, goLine bool) []gridAxis {
	var out []gridAxis
	for _, a := range gridAxes {
		used := a.letter == "L" && goLine
		for _, c := range cells {
			used = used || a.value(c) != ""
		}
		if used {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = gridAxes[:1]
	}
	return out
}

// axes are the axes t's columns show (see shownAxes).
func (t *Table) axes() []gridAxis {
	var cells []*results.Cell
	for _, row := range t.Rows {
		for _, c := range row.Cells {
			if c != nil {
				cells = append(cells, c)
			}
		}
	}
	return shownAxes(cells, t.GoLine)
}

// columnLabel names the column of c: its value on each of axes, "P=1 D=–".
func columnLabel(c *results.Cell, axes []gridAxis) string {
	labels := make([]string, len(axes))
	for i, a := range axes {
		labels[i] = a.label(c)
	}
	return strings.Join(labels, " ")
}

// columnLabels names t's columns by the axes t shows, each after the
// first cell it has (a table cut from another may show fewer axes than
// the one its Columns were named in).
func (t *Table) columnLabels() []string {
	axes := t.axes()
	out := make([]string, len(t.Columns))
	for i := range t.Columns {
		for _, row := range t.Rows {
			if c := row.Cells[i]; c != nil {
				out[i] = columnLabel(c, axes)
				break
			}
		}
	}
	return out
}

// A Row is one case under one toolchain; Cells[i] is nil where the
// matrix has no cell for column i.
type Row struct {
	Case, Go string
	// OS is the host of the row's cells in results merged from several
	// hosts ("darwin/arm64"): OS is then an axis of the rows.
	OS    string
	Cells []*results.Cell
}

// HasOS reports whether the table's rows differ by host.
func (t *Table) HasOS() bool {
	for _, r := range t.Rows {
		if r.OS != "" {
			return true
		}
	}
	return false
}

// NewTable arranges r's cells.
func NewTable(r *results.Results) *Table {
	t := &Table{GoLine: HasGoLineAxis(r)}
	colIdx := map[string]int{}
	type key struct{ c, v, os string }
	rowIdx := map[key]int{}
	// Columns in axis order, as the matrix lists values.
	cols := make([]*results.Cell, 0, len(r.Cells))
	for i := range r.Cells {
		cols = append(cols, &r.Cells[i])
	}
	sort.SliceStable(cols, func(i, j int) bool {
		a, b := columnRank(&r.Matrix, cols[i]), columnRank(&r.Matrix, cols[j])
		return slices.Compare(a[:], b[:]) < 0
	})
	// The axes no cell sets are unset in every cell: leaving them out of
	// the names merges no two columns.
	axes := shownAxes(cols, t.GoLine)
	for _, c := range cols {
		s := columnLabel(c, axes)
		if _, ok := colIdx[s]; !ok {
			colIdx[s] = len(t.Columns)
			t.Columns = append(t.Columns, s)
		}
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		v := c.Go
		if v == "" {
			v = c.Selector // the toolchain could not be had
		}
		k := key{c.Case, v, c.OS}
		ri, ok := rowIdx[k]
		if !ok {
			ri = len(t.Rows)
			rowIdx[k] = ri
			t.Rows = append(t.Rows, Row{Case: c.Case, Go: v, OS: c.OS, Cells: make([]*results.Cell, len(t.Columns))})
		}
		t.Rows[ri].Cells[colIdx[columnLabel(c, axes)]] = c
	}
	return t
}

// HasGoLineAxis reports whether r has a go_line axis — its matrix lists
// go lines, or a cell names one — so that reports show it only then and
// read as before without it.
func HasGoLineAxis(r *results.Results) bool {
	if len(r.Matrix.GoLine) > 0 {
		return true
	}
	for i := range r.Cells {
		if r.Cells[i].GoLineAxis != "" {
			return true
		}
	}
	return false
}

// columnRank is where c's column sorts on each axis, outermost first:
// the position of its value in the matrix's list of that axis.
func columnRank(m *results.Matrix, c *results.Cell) [4]int {
	return [4]int{indexInt(m.GOMAXPROCS, c.GOMAXPROCS), indexStr(m.GODEBUG, c.GODEBUG),
		indexStr(m.GOEXPERIMENT, c.GOEXPERIMENT), indexStr(m.GoLine, c.GoLineAxis)}
}

// indexInt returns the position of v in list, or len(list) when absent,
// so unknown values sort last.
func indexInt(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return len(list)
}

func indexStr(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return len(list)
}

// cellText is a cell's entry in a Markdown table.
func cellText(c *results.Cell) string {
	if c == nil {
		return ""
	}
	s := symbols[c.Outcome] + " " + MarkdownText(c.Outcome)
	if c.Outcome == results.Complete && c.CompleteMS != nil {
		s = symbols[c.Outcome] + " " + FormatMS(*c.CompleteMS) + spreadRange(c)
	}
	if c.Runs > 1 && c.Counts != nil {
		s += fmt.Sprintf(" %d/%d", c.Counts[c.Outcome], c.Runs)
	}
	if c.Flaky {
		s += " (flaky)"
	}
	if len(c.Inert) > 0 {
		s += " †"
	}
	return s
}

// spreadRange is " (min–max)" of the complete_ms of a cell's runs, when
// it ran more than once.
func spreadRange(c *results.Cell) string {
	s, ok := results.SpreadOf(c.CompleteTimes())
	if !ok || s.N < 2 {
		return ""
	}
	return " (" + strings.TrimSuffix(FormatMS(s.Min), " ms") + "–" + FormatMS(s.Max) + ")"
}

// unstableCount is "N unstable, " when a claim has unstable evidence;
// nothing otherwise, so reports of runs without it read as before.
func unstableCount(c results.Claim) string {
	if len(c.Unstable) == 0 {
		return ""
	}
	return fmt.Sprintf("%d unstable, ", len(c.Unstable))
}

var verdictSymbols = map[string]string{
	results.Holds:    "✅",
	results.Refuted:  "❌",
	results.Partly:   "◐",
	results.Flaky:    "〰️",
	results.Unstable: "↕️",
	results.Untested: "❔",
}

func verdictText(v string) string { return verdictSymbols[v] + " **" + MarkdownText(v) + "**" }

// FormatMS formats milliseconds the way tables show durations.
func FormatMS(ms float64) string {
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 10000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f s", ms/1000)
}

func countLine(cells []results.Cell) string {
	s := results.Tally(cells, func(o string, n int) string { return fmt.Sprintf("%s %d %s", symbols[o], n, o) }, " · ")
	if s == "" {
		return "No cells."
	}
	return s
}

// notes lists, once per distinct reason, why cells failed, did not build
// or were skipped, with the cells it applies to.
func notes(cells []results.Cell, roots goroots) []string {
	type note struct {
		text  string
		cells []string
	}
	var order []string
	byText := map[string]*note{}
	add := func(text string, c results.Cell) {
		n, ok := byText[text]
		if !ok {
			n = &note{text: text}
			byText[text] = n
			order = append(order, text)
		}
		n.cells = append(n.cells, c.ID())
	}
	for _, c := range cells {
		for _, in := range c.Inert {
			add("† "+in, c)
		}
		if c.InertError != "" {
			add("⚠️ "+c.InertError, c)
		}
		if c.TimingError != "" {
			add("⚠️ timing error: "+c.TimingError, c)
		}
		if c.Fragile != "" {
			add("⚠️ fragile: complete, but "+strings.TrimPrefix(c.Fragile, "completed "), c)
		}
		if c.GoModAdapted != "" {
			add("ℹ️ go.mod adapted for the toolchain: "+c.GoModAdapted, c)
		}
		switch c.Outcome {
		case results.Fail, results.BuildError, results.Skip:
			add(fmt.Sprintf("%s %s: %s", symbols[c.Outcome], c.Outcome, roots.reasonLine(&c, oneLine(c.Reason))), c)
		}
	}
	out := make([]string, len(order))
	for i, t := range order {
		n := byText[t]
		list := n.cells
		more := ""
		if len(list) > 5 {
			more = fmt.Sprintf(" and %d more", len(list)-5)
			list = list[:5]
		}
		out[i] = fmt.Sprintf("%s — %d cell(s): %s%s", MarkdownText(n.text), len(n.cells), MarkdownText(strings.Join(list, "; ")), more)
	}
	return out
}

// goroots are the directories a run's toolchains were installed in on
// the machine that ran it, by selector and version.
type goroots map[[2]string]string

func gorootsOf(r *results.Results) goroots {
	g := goroots{}
	for _, t := range r.Toolchains {
		if len(t.GOROOT) > 1 {
			g[[2]string{t.Selector, t.Version}] = t.GOROOT
		}
	}
	return g
}

// reasonLine is what a summary (a note, a square's title) says of why c
// ended as it did: reason (c.Reason or a line of it) with the fatal line
// (see withFatalLine), and c's toolchain's directory written $GOROOT, as
// the go command's paths relative to it already are — "package net/netip
// is not in GOROOT ($GOROOT/src/net/netip)" — so reasons that differ only
// by it read, and group, as one. results.json keeps the path; a variant's
// directory, which it does not record, stays as it is.
func (g goroots) reasonLine(c *results.Cell, reason string) string {
	s := withFatalLine(reason, c)
	if root := g[[2]string{c.Selector, c.Go}]; root != "" {
		s = strings.NewReplacer(root+"/", "$GOROOT/", root+`\`, `$GOROOT\`).Replace(s)
	}
	return s
}

// withFatalLine is reason followed by the runtime's fatal line, when the
// cell recorded one that reason does not give: "exit status 2" alone does
// not tell a deadlock from a panic.
func withFatalLine(reason string, c *results.Cell) string {
	f := oneLine(firstLine(c.FatalLine))
	switch {
	case f == "" || strings.Contains(reason, f):
		return reason
	case reason == "":
		return f
	}
	return reason + ": " + f
}

func cachedCount(cells []results.Cell) int {
	n := 0
	for _, c := range cells {
		if c.Cached {
			n++
		}
	}
	return n
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
