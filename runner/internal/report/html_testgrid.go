package report

import (
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// htmlMaxTests bounds the rows of tests in a test case's grid on the
// page: a suite that a toolchain breaks whole would otherwise make one of
// tens of thousands of rows. The cells' details list every test.
const htmlMaxTests = 1000

// An htmlTestGrid is a test case's section of the page (see testGrid).
type htmlTestGrid struct {
	Case    string
	N       int // its position among the sections, for element IDs
	Ran     string
	Same    []string // what the tests that agree in every cell did
	Differ  string   // the line introducing the grid
	Header  [][]htmlHead
	Groups  []htmlTestGroup
	More    int // tests that differ left out of the grid
	NoTests bool
}

// An htmlTestGroup is a test's rows, one <tbody>.
type htmlTestGroup struct {
	Test string
	Rows []htmlTestRow
}

type htmlTestRow struct {
	Go    string
	Cells []htmlTestCell
}

// An htmlTestCell is a test's square in a cell: Index is the cell's in
// r.Cells (-1: no cell in this column), Test the test for the details to
// point at ("" when the cell ran no tests).
type htmlTestCell struct {
	Index        int
	Test         string
	Class, Label string
	Marks        string // † when a setting of the cell did not take effect
	Title        string
}

// testClasses are the classes of the squares of test outcomes; a test
// outcome the page does not know gets none of them.
var testClasses = map[string]string{
	results.TestPass: "t-pass", results.TestFail: "t-fail", results.TestSkip: "t-skip",
	results.TestRunning: "t-running", notRun: "t-notrun",
}

// htmlTestGrids are the sections of r's test cases.
func htmlTestGrids(r *results.Results, table *Table) []htmlTestGrid {
	index := map[*results.Cell]int{}
	for i := range r.Cells {
		index[&r.Cells[i]] = i
	}
	roots := gorootsOf(r)
	var out []htmlTestGrid
	for n, g := range testGrids(r, table) {
		hg := htmlTestGrid{Case: g.Case, N: n, NoTests: g.Ran == 0,
			Ran: g.ranText(func(cells []results.Cell) string { return results.Tally(cells, countText, ", ") })}
		if g.Ran > 0 {
			hg.Differ = g.differText()
			hg.Header = gridHeader(g.Table)
		}
		for _, o := range testOutcomes {
			if len(g.Same[o]) > 0 {
				hg.Same = append(hg.Same, g.sameText(o, func(s string) string { return s }, 10)+".")
			}
		}
		for _, name := range g.Differ[:min(len(g.Differ), htmlMaxTests)] {
			hg.Groups = append(hg.Groups, htmlTestGroupOf(g, name, index, roots))
		}
		hg.More = len(g.Differ) - len(hg.Groups)
		out = append(out, hg)
	}
	return out
}

// countText is "2 skip".
func countText(outcome string, n int) string { return strconv.Itoa(n) + " " + outcome }

// htmlTestGroupOf is the rows of the test called name: one per version.
func htmlTestGroupOf(g *testGrid, name string, index map[*results.Cell]int, roots goroots) htmlTestGroup {
	tg := htmlTestGroup{Test: name}
	for _, row := range g.Table.Rows {
		hr := htmlTestRow{Go: row.Go}
		if row.OS != "" {
			hr.Go += " · " + row.OS
		}
		for _, c := range row.Cells {
			hr.Cells = append(hr.Cells, htmlTestCellOf(g, c, name, index, roots))
		}
		tg.Rows = append(tg.Rows, hr)
	}
	return tg
}

// htmlTestCellOf is the square of the test called name in cell c.
func htmlTestCellOf(g *testGrid, c *results.Cell, name string, index map[*results.Cell]int, roots goroots) htmlTestCell {
	if c == nil {
		return htmlTestCell{Index: -1}
	}
	hc := htmlTestCell{Index: index[c], Test: name}
	t, ran := g.test(c, name)
	switch {
	case !ran:
		hc.Test, hc.Class, hc.Label = "", "o-"+c.Outcome, "("+c.Outcome+")"
		hc.Title = c.ID() + ": ran no tests: " + c.Outcome
		if reason := roots.reasonLine(c, firstLine(c.Reason)); reason != "" {
			hc.Title += ": " + reason
		}
	case t == nil:
		hc.Class, hc.Label = testClasses[notRun], notRun
		hc.Title = name + " in " + c.ID() + ": not run (the cell stopped before it, or its build lacks it)"
	default:
		hc.Class, hc.Label = testClasses[t.Outcome], t.Outcome
		hc.Title = testTitle(c, t)
	}
	if len(c.Inert) > 0 {
		hc.Class, hc.Marks = strings.TrimSpace(hc.Class+" inert"), "†"
		for _, in := range c.Inert {
			hc.Title += "\ninert: " + in
		}
	}
	return hc
}

// testTitle says what a test did in a cell, with the last line it
// printed.
func testTitle(c *results.Cell, t *results.Test) string {
	s := t.Name + " in " + c.ID() + ": " + t.Outcome
	if t.ElapsedMS > 0 {
		s += " after " + FormatMS(t.ElapsedMS)
	}
	if tail := outputTail(t.Output, 1, 200); len(tail) > 0 {
		s += "\n" + strings.TrimSpace(tail[0])
	}
	return s
}
