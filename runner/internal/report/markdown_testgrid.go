package report

import (
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Bounds of a test case's section in Markdown, which must fit a step
// summary beside every other case: the HTML report and results.json
// have the rest.
const (
	mdMaxTests   = 50  // rows of tests in a grid
	mdMaxNames   = 10  // names in a line of tests that agree
	mdMaxOutputs = 10  // excerpts of failing and running tests' output
	mdTailLines  = 8   // lines of each excerpt
	mdTailWidth  = 200 // runes of each line
)

// mdTests writes a section per test case: which cells ran tests, what
// the tests that agree in every cell did, a grid of those that do not,
// and the output of the tests that failed or did not end.
func mdTests(p *printer, r *results.Results, table *Table) {
	for _, g := range testGrids(r, table) {
		p.printf("\n## Tests of %s\n\n", markdownCode(g.Case))
		p.printf("%s\n", g.ranText(func(cells []results.Cell) string { return countLine(cells) }))
		if g.Ran == 0 {
			continue
		}
		list := "\n"
		for _, o := range testOutcomes {
			if len(g.Same[o]) > 0 {
				p.printf("%s- %s %s\n", list, testSymbols[o], g.sameText(o, MarkdownText, mdMaxNames))
				list = ""
			}
		}
		p.printf("\n%s\n", g.differText())
		mdTestGrid(p, g)
		mdTestOutput(p, g)
	}
}

// mdTestGrid writes the grid of the tests that differ: a row per test ×
// version, a column per combination of settings, as in the outcomes.
func mdTestGrid(p *printer, g *testGrid) {
	if len(g.Differ) == 0 {
		return
	}
	t := g.Table
	osCol := t.HasOS()
	mdGridHeader(p, "\n| test | go |", t)
	for _, name := range g.Differ[:min(len(g.Differ), mdMaxTests)] {
		for _, row := range t.Rows {
			p.printf("| %s | %s |", MarkdownText(name), MarkdownText(row.Go))
			if osCol {
				p.printf(" %s |", MarkdownText(row.OS))
			}
			for _, c := range row.Cells {
				p.printf(" %s |", mdTestCell(g, c, name))
			}
			p.printf("\n")
		}
	}
	if n := len(g.Differ) - mdMaxTests; n > 0 {
		p.printf("\n%d more tests differ; the HTML report and results.json have them all.\n", n)
	}
	p.printf("\nLegend: %s pass, %s fail, %s skip, %s running (had not ended at the timeout, or when the test binary exited), "+
		"%s not run (the cell ran tests, but not this one); (%s skip) a cell that ran no tests, with its outcome; † %s.\n",
		testSymbols[results.TestPass], testSymbols[results.TestFail], testSymbols[results.TestSkip], testSymbols[results.TestRunning],
		testSymbols[notRun], symbols[results.Skip], inertLegend)
}

// mdTestCell is what the grid says of the test called name in cell c,
// marked † as the outcome grid marks c when a setting of it did not take
// effect.
func mdTestCell(g *testGrid, c *results.Cell, name string) string {
	if c == nil {
		return ""
	}
	s := mdTestOutcome(g, c, name)
	if len(c.Inert) > 0 {
		s += " †"
	}
	return s
}

// mdTestOutcome is the outcome of the test called name in cell c.
func mdTestOutcome(g *testGrid, c *results.Cell, name string) string {
	t, ran := g.test(c, name)
	switch {
	case !ran:
		return "(" + symbols[c.Outcome] + " " + MarkdownText(c.Outcome) + ")"
	case t == nil:
		return testSymbols[notRun] + " " + notRun
	}
	return testSymbols[t.Outcome] + " " + MarkdownText(t.Outcome)
}

// mdTestOutput writes the last lines the failing and running tests
// printed, cell by cell in the grid's order, in a <details> (bounded:
// mdMaxOutputs excerpts of mdTailLines lines). Each line is a code span
// of its own, so no line of a test's output is read as Markdown or HTML.
func mdTestOutput(p *printer, g *testGrid) {
	type excerpt struct {
		c *results.Cell
		t *results.Test
	}
	var all []excerpt
	for _, row := range g.Table.Rows {
		for _, c := range row.Cells {
			if c != nil {
				for _, t := range badTests(c) {
					all = append(all, excerpt{c, t})
				}
			}
		}
	}
	if len(all) == 0 {
		return
	}
	p.printf("\n<details><summary>Output of the tests that failed or did not end (%d)</summary>\n\n", len(all))
	for _, e := range all[:min(len(all), mdMaxOutputs)] {
		p.printf("%s **%s** in %s", testSymbols[e.t.Outcome], MarkdownText(e.t.Name), MarkdownText(e.c.ID()))
		if e.t.ElapsedMS > 0 {
			p.printf(" (%s)", FormatMS(e.t.ElapsedMS))
		}
		p.printf(":\n\n%s\n\n", mdOutputLines(e.t.Output))
	}
	if n := len(all) - mdMaxOutputs; n > 0 {
		p.printf("%d more; the HTML report and results.json have them all.\n\n", n)
	}
	p.printf("</details>\n")
}

// mdOutputLines is the bounded tail of a test's output as lines joined
// by hard line breaks, each a code span — or, holding a pipe no code span
// can hold (see markdownCode), escaped text without the leading blanks
// that would make it an indented code block.
func mdOutputLines(out string) string {
	var lines []string
	for _, l := range outputTail(out, mdTailLines, mdTailWidth) {
		md := markdownCode(l)
		if !strings.HasPrefix(md, "`") {
			md = MarkdownText(strings.TrimLeft(l, " \t"))
		}
		lines = append(lines, md)
	}
	return strings.Join(lines, "\\\n")
}
