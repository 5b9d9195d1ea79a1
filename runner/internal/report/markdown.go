// Package report renders results.json into the formats people read.
// Each format is a function of the results alone, so a committed report
// can be checked against the results.json it came from.
package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
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
	for _, c := range r.Claims {
		if len(c.Contradicting)+len(c.Flaky)+len(c.Unstable)+len(c.Excluded) == 0 {
			continue
		}
		p.printf("<details><summary>%s: evidence (%d as expected, %d contradicting, %d flaky, %s%d excluded)</summary>\n\n",
			markdownHTML(c.ID), len(c.Holding), len(c.Contradicting), len(c.Flaky), unstableCount(c), len(c.Excluded))
		mdList(p, "Contradicting", c.Contradicting)
		mdList(p, "Flaky", c.Flaky)
		mdList(p, "Unstable", c.Unstable)
		mdList(p, "Excluded", c.Excluded)
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
	for _, col := range table.Columns {
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
	p.printf("\nColumns: %s. ", columnsLegend(table.GoLine))
	p.printf("Legend: %s complete (time until completion), %s hang (still running at the timeout), %s fail, %s build-error, %s skip; "+
		"a count such as 3/5 means the runs disagreed (flaky) and shows how many had the majority outcome; "+
		"† a setting of the cell did not take effect (see Notes).\n",
		symbols[results.Complete], symbols[results.Hang], symbols[results.Fail], symbols[results.BuildError], symbols[results.Skip])
}

// columnsLegend spells out the letters of the settings columns; L only
// when there is a go line axis, so reports without one read as before.
func columnsLegend(goLine bool) string {
	l := ""
	if goLine {
		l = "L = go line, "
	}
	return "P = GOMAXPROCS, D = GODEBUG, E = GOEXPERIMENT, " + l + "– = unset"
}

// mdNotes writes the notes that explain failures (see notes).
func mdNotes(p *printer, r *results.Results) {
	lines := notes(r.Cells)
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
	Columns []string
	Rows    []Row
	// GoLine is set when the results have a go_line axis (see
	// HasGoLineAxis): the columns' names then end in " L=…".
	GoLine bool
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
	for _, c := range cols {
		s := c.Settings()
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
		t.Rows[ri].Cells[colIdx[c.Settings()]] = c
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
func notes(cells []results.Cell) []string {
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
		var text string
		switch c.Outcome {
		case results.Fail, results.BuildError, results.Skip:
			text = fmt.Sprintf("%s %s: %s", symbols[c.Outcome], c.Outcome, oneLine(c.Reason))
		default:
			continue
		}
		add(text, c)
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
