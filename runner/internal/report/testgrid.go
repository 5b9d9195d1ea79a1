package report

import (
	"fmt"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// testOutcomes are the outcomes of a test in the order reports list
// them: what went wrong first.
var testOutcomes = []string{results.TestFail, results.TestRunning, results.TestPass, results.TestSkip}

// testSymbols mark test outcomes in Markdown, as symbols mark a cell's.
var testSymbols = map[string]string{
	results.TestPass:    "✅",
	results.TestFail:    "❌",
	results.TestSkip:    "⏭️",
	results.TestRunning: "⏳",
	notRun:              "➖",
}

// notRun is what a grid says of a test that a cell which ran tests did
// not run: the cell stopped before it, or its toolchain's build of the
// package lacks it.
const notRun = "not run"

// A testGrid is the tests of one test case across its cells, arranged as
// the outcome grid is: a row per version, a column per combination of
// settings.
type testGrid struct {
	Case string
	// Table holds the case's rows and columns in which some cell ran
	// tests; a cell in it may have run none (a build error, a skip).
	Table *Table
	// Differ are the tests whose outcome is not the same in every cell
	// that ran tests (absent from one counts), in the order they first
	// started; Same are the others, by outcome.
	Differ []string
	Same   map[string][]string
	// Cells counts the case's cells, Ran those that ran tests; NoTests
	// are the others.
	Cells, Ran int
	NoTests    []results.Cell
	tests      map[*results.Cell]map[string]*results.Test
}

// isTestCase reports which cases of r run tests: kind test in the
// matrix, or a cell that recorded tests (results whose matrix record
// lacks the case).
func isTestCase(r *results.Results) map[string]bool {
	out := map[string]bool{}
	for _, c := range r.Matrix.Cases {
		if c.Kind == "test" {
			out[c.Name] = true
		}
	}
	for i := range r.Cells {
		if len(r.Cells[i].Tests) > 0 {
			out[r.Cells[i].Case] = true
		}
	}
	return out
}

// testGrids returns the grid of each test case of r, in the outcome
// grid's order of cases; table is NewTable(r).
func testGrids(r *results.Results, table *Table) []*testGrid {
	tc := isTestCase(r)
	var out []*testGrid
	for _, g := range groupRows(r, table) {
		if tc[g[0].Case] {
			out = append(out, newTestGrid(table, g[0].Case))
		}
	}
	return out
}

// newTestGrid collects the tests of the case called name from table.
func newTestGrid(table *Table, name string) *testGrid {
	g := &testGrid{Case: name, Same: map[string][]string{}, tests: map[*results.Cell]map[string]*results.Test{}}
	var order []string
	seen := map[string]bool{}
	for _, row := range table.Rows {
		for _, c := range row.Cells {
			if c == nil || row.Case != name {
				continue
			}
			g.Cells++
			if len(c.Tests) == 0 {
				g.NoTests = append(g.NoTests, *c)
				continue
			}
			g.Ran++
			for _, n := range g.index(c) {
				if !seen[n] {
					seen[n] = true
					order = append(order, n)
				}
			}
		}
	}
	g.Table = ranTable(table, name, g.tests)
	for _, n := range order {
		if o, ok := g.sameOutcome(n); ok {
			g.Same[o] = append(g.Same[o], n)
		} else {
			g.Differ = append(g.Differ, n)
		}
	}
	return g
}

// index maps c's tests by name (the first, of a name run twice) and
// returns their names in the order they started.
func (g *testGrid) index(c *results.Cell) []string {
	m := map[string]*results.Test{}
	var names []string
	for i := range c.Tests {
		t := &c.Tests[i]
		if _, dup := m[t.Name]; !dup {
			m[t.Name] = t
			names = append(names, t.Name)
		}
	}
	g.tests[c] = m
	return names
}

// sameOutcome returns the outcome of the test called name if every cell
// that ran tests ran it with that outcome.
func (g *testGrid) sameOutcome(name string) (string, bool) {
	o := ""
	for _, m := range g.tests {
		t := m[name]
		if t == nil || o != "" && t.Outcome != o {
			return "", false
		}
		o = t.Outcome
	}
	return o, o != ""
}

// test returns the test called name in cell c; ran is false when c ran
// no tests at all.
func (g *testGrid) test(c *results.Cell, name string) (t *results.Test, ran bool) {
	m, ran := g.tests[c]
	return m[name], ran
}

// ranTable is the part of t of the case called name: its rows, and
// columns, in which some cell ran tests.
func ranTable(t *Table, name string, ran map[*results.Cell]map[string]*results.Test) *Table {
	keepCol := make([]bool, len(t.Columns))
	var rows []Row
	for _, row := range t.Rows {
		keep := false
		for i, c := range row.Cells {
			if _, ok := ran[c]; ok && c != nil && row.Case == name {
				keep, keepCol[i] = true, true
			}
		}
		if keep {
			rows = append(rows, row)
		}
	}
	out := &Table{GoLine: t.GoLine}
	for i, col := range t.Columns {
		if keepCol[i] {
			out.Columns = append(out.Columns, col)
		}
	}
	for _, row := range rows {
		nr := Row{Case: row.Case, Go: row.Go, OS: row.OS}
		for i, c := range row.Cells {
			if keepCol[i] {
				nr.Cells = append(nr.Cells, c)
			}
		}
		out.Rows = append(out.Rows, nr)
	}
	return out
}

// ranText says which of the case's cells ran tests: "All 6 cells ran
// tests.", "Tests ran in 4 of the 6 cells; the other 2 ran none (2
// skip).";
// tally formats the outcomes of the others.
func (g *testGrid) ranText(tally func([]results.Cell) string) string {
	switch {
	case g.Ran == 0:
		return fmt.Sprintf("No cell ran tests (%s).", tally(g.NoTests))
	case len(g.NoTests) == 0:
		return fmt.Sprintf("All %d cells ran tests.", g.Cells)
	}
	others := fmt.Sprintf("the other %d", len(g.NoTests))
	if len(g.NoTests) == 1 {
		others = "the other"
	}
	return fmt.Sprintf("Tests ran in %d of the %d cells; %s ran none (%s).", g.Ran, g.Cells, others, tally(g.NoTests))
}

// sameText says what the tests with outcome o in every cell did, "41
// tests pass in every cell", naming up to max of them when they failed
// or did not end (name formats a name; max 0 names none).
func (g *testGrid) sameText(o string, name func(string) string, max int) string {
	names := g.Same[o]
	verbs := map[string][2]string{
		results.TestPass: {"passes", "pass"}, results.TestFail: {"fails", "fail"},
		results.TestSkip: {"skips", "skip"}, results.TestRunning: {"did not end", "did not end"},
	}[o]
	s := fmt.Sprintf("%d tests %s in every cell", len(names), verbs[1])
	if len(names) == 1 {
		s = "1 test " + verbs[0] + " in every cell"
	}
	if g.Ran < g.Cells {
		s += " that ran tests"
	}
	if o == results.TestFail || o == results.TestRunning {
		s += ": " + nameList(names, name, max)
	}
	return s
}

// nameList joins up to max names, formatted, "and N more" after.
func nameList(names []string, name func(string) string, max int) string {
	var parts []string
	for _, n := range names[:min(len(names), max)] {
		parts = append(parts, name(n))
	}
	s := strings.Join(parts, ", ")
	if len(names) > max {
		s += fmt.Sprintf(" and %d more", len(names)-max)
	}
	return s
}

// differText introduces the grid: "4 tests differ between the cells:".
func (g *testGrid) differText() string {
	switch len(g.Differ) {
	case 0:
		return "No test differs between the cells."
	case 1:
		return "1 test differs between the cells:"
	}
	return fmt.Sprintf("%d tests differ between the cells:", len(g.Differ))
}

// badTests are the tests of c that failed or did not end and printed
// something, in the order they started: those whose output a report
// shows.
func badTests(c *results.Cell) []*results.Test {
	var out []*results.Test
	for i := range c.Tests {
		t := &c.Tests[i]
		if (t.Outcome == results.TestFail || t.Outcome == results.TestRunning) && strings.TrimSpace(t.Output) != "" {
			out = append(out, t)
		}
	}
	return out
}

// outputTail is the last n non-blank lines of s, each cut to width
// runes: a bounded excerpt for a report.
func outputTail(s string, n, width int) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	lines = lines[max(len(lines)-n, 0):]
	for i, l := range lines {
		if r := []rune(l); len(r) > width {
			lines[i] = string(r[:width]) + "…"
		}
	}
	return lines
}
