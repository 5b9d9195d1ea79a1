package report

import (
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A TestChange is a test whose outcome changed in a cell of a test case
// both runs have. OldOutcome is "" for a test only the new run's cell
// ran, NewOutcome "" for one it did not run.
type TestChange struct {
	Old, New               *results.Cell
	Name                   string
	OldOutcome, NewOutcome string
	Regression             bool
}

// testChanges compares the tests of a cell in two runs: those whose
// outcome changed, in the order the new cell ran them, then those only
// the old one ran. A cell that ran no tests in either run (a build
// error, a skip, a program) is compared by its outcome alone: listing
// every test as gone would repeat that outcome test by test.
func testChanges(o, n *results.Cell) []TestChange {
	if len(o.Tests) == 0 || len(n.Tests) == 0 {
		return nil
	}
	old := map[string]string{}
	for _, t := range o.Tests {
		if _, dup := old[t.Name]; !dup {
			old[t.Name] = t.Outcome
		}
	}
	var out []TestChange
	seen := map[string]bool{}
	for _, t := range n.Tests {
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		if was := old[t.Name]; was != t.Outcome {
			out = append(out, TestChange{Old: o, New: n, Name: t.Name, OldOutcome: was, NewOutcome: t.Outcome,
				Regression: was == results.TestPass && (t.Outcome == results.TestFail || t.Outcome == results.TestRunning)})
		}
	}
	for _, t := range o.Tests {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, TestChange{Old: o, New: n, Name: t.Name, OldOutcome: t.Outcome})
		}
	}
	return out
}

// change says how the test changed: "pass → fail", "added, pass",
// "removed, was pass".
func (t TestChange) change() string {
	switch {
	case t.OldOutcome == "":
		return "added, " + t.NewOutcome
	case t.NewOutcome == "":
		return "removed, was " + t.OldOutcome
	}
	return t.OldOutcome + " → " + t.NewOutcome
}

// cellID names the test's cell as changedID does.
func (t TestChange) cellID() string { return changedID(CellChange{Old: t.Old, New: t.New}) }

// mdTestChanges writes the table of changed tests; reg marks a
// regression.
func mdTestChanges(p *printer, changes []TestChange, reg func(bool) string) {
	if len(changes) == 0 {
		return
	}
	state := func(o string) string {
		if o == "" {
			return "—"
		}
		return testSymbols[o] + " " + MarkdownText(o)
	}
	p.printf("## Changed tests\n\n| cell | test | old | new | |\n|---|---|---|---|---|\n")
	for _, t := range changes {
		p.printf("| %s | %s | %s | %s | %s |\n", MarkdownText(t.cellID()), MarkdownText(t.Name), state(t.OldOutcome), state(t.NewOutcome), reg(t.Regression))
	}
	p.printf("\n")
}
