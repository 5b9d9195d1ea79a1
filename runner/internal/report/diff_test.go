package report

import (
	"bytes"
	"slices"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func TestDiffGolden(t *testing.T) {
	old, new := readFixture(t, "results.json"), readFixture(t, "results-new.json")
	d := Diff(old, new)
	d.OldName, d.NewName = "results.json", "results-new.json"
	var text, md bytes.Buffer
	if err := DiffText(&text, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"diff.txt", text.Bytes())
	if err := DiffMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"diff.md", md.Bytes())

	// busyloop go1.13.15 asyncpreemptoff complete→hang, busyloop local
	// P=1 complete→hang, xss local P=2 complete→fail, and C1 holds→refuted;
	// the removed cell was a skip.
	if got := d.Regressions(); got != 4 {
		t.Errorf("%d regressions, want 4", got)
	}
	if d.Changed[0].New.Outcome != results.Hang {
		t.Errorf("first change is to %s, want new hangs first", d.Changed[0].New.Outcome)
	}
}

func TestDiffSame(t *testing.T) {
	r := readFixture(t, "results.json")
	d := Diff(r, readFixture(t, "results.json"))
	if !d.Empty() || d.Regressions() != 0 || d.Unchanged != len(r.Cells) {
		t.Errorf("a run against itself: %+v", d)
	}
}

func cellOf(cs, sel, goV, outcome string, p int) results.Cell {
	return results.Cell{Case: cs, Selector: sel, Go: goV, GOMAXPROCS: p, Outcome: outcome}
}

// Which changes are regressions, decided from a table.
func TestDiffRegressions(t *testing.T) {
	run := func(cells ...results.Cell) *results.Results {
		return &results.Results{Schema: results.SchemaVersion, Complete: true, Cells: cells}
	}
	for _, tt := range []struct {
		name          string
		old, new      *results.Results
		regressions   int
		changed       int
		added, remove int
	}{
		{"complete to hang", run(cellOf("a", "local", "go1.26.8", "complete", 1)), run(cellOf("a", "local", "go1.26.8", "hang", 1)), 1, 1, 0, 0},
		{"complete to fail", run(cellOf("a", "local", "go1.26.8", "complete", 1)), run(cellOf("a", "local", "go1.26.8", "fail", 1)), 1, 1, 0, 0},
		{"complete to build-error", run(cellOf("a", "local", "go1.26.8", "complete", 1)), run(cellOf("a", "local", "go1.26.8", "build-error", 1)), 1, 1, 0, 0},
		{"complete to skip", run(cellOf("a", "local", "go1.26.8", "complete", 1)), run(cellOf("a", "local", "go1.26.8", "skip", 1)), 0, 1, 0, 0},
		{"hang to complete", run(cellOf("a", "local", "go1.26.8", "hang", 1)), run(cellOf("a", "local", "go1.26.8", "complete", 1)), 0, 1, 0, 0},
		{"hang to fail", run(cellOf("a", "local", "go1.26.8", "hang", 1)), run(cellOf("a", "local", "go1.26.8", "fail", 1)), 0, 1, 0, 0},
		{"removed", run(cellOf("a", "local", "go1.26.8", "hang", 1), cellOf("a", "local", "go1.26.8", "hang", 2)), run(cellOf("a", "local", "go1.26.8", "hang", 1)), 1, 0, 0, 1},
		{"removed skip", run(cellOf("a", "local", "go1.26.8", "hang", 1), cellOf("a", "1.99", "", "skip", 1)), run(cellOf("a", "local", "go1.26.8", "hang", 1)), 0, 0, 0, 1},
		{"added", run(cellOf("a", "local", "go1.26.8", "hang", 1)), run(cellOf("a", "local", "go1.26.8", "hang", 1), cellOf("a", "local", "go1.26.8", "fail", 2)), 0, 0, 1, 0},
		// A new patch release under the same selector is the same cell.
		{"patch moved", run(cellOf("a", ">=1.13", "go1.26.8", "complete", 1)), run(cellOf("a", ">=1.13", "go1.26.9", "hang", 1)), 1, 1, 0, 0},
		// local moved minor: still one cell each side for the selector.
		{"local moved", run(cellOf("a", "local", "go1.25.5", "complete", 1)), run(cellOf("a", "local", "go1.26.8", "complete", 1)), 0, 0, 0, 0},
		// A toolchain that could not be had, now can.
		{"now available", run(cellOf("a", "1.27", "", "skip", 1)), run(cellOf("a", "1.27", "go1.27.0", "complete", 1)), 0, 1, 0, 0},
		// Two new minors under one selector: not guessed, added.
		{"new minor", run(cellOf("a", ">=1.25", "go1.25.5", "complete", 1)), run(cellOf("a", ">=1.25", "go1.25.5", "complete", 1), cellOf("a", ">=1.25", "go1.26.0", "complete", 1)), 0, 0, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(tt.old, tt.new)
			if d.Regressions() != tt.regressions || len(d.Changed) != tt.changed || len(d.Added) != tt.added || len(d.Removed) != tt.remove {
				var buf bytes.Buffer
				DiffText(&buf, d)
				t.Errorf("regressions %d changed %d added %d removed %d, want %d %d %d %d\n%s",
					d.Regressions(), len(d.Changed), len(d.Added), len(d.Removed), tt.regressions, tt.changed, tt.added, tt.remove, buf.String())
			}
		})
	}
}

func TestDiffClaims(t *testing.T) {
	claims := func(vs ...string) *results.Results {
		r := &results.Results{Schema: results.SchemaVersion, Complete: true}
		for i, v := range vs {
			if v != "" {
				r.Claims = append(r.Claims, results.Claim{ID: string(rune('A' + i)), Verdict: v})
			}
		}
		return r
	}
	for _, tt := range []struct {
		old, new    *results.Results
		regressions int
		changes     int
	}{
		{claims("holds"), claims("refuted"), 1, 1},
		{claims("holds"), claims("partly"), 1, 1},
		{claims("holds"), claims("flaky"), 1, 1},
		{claims("holds"), claims("untested"), 1, 1},
		{claims("partly"), claims("refuted"), 0, 1},
		{claims("refuted"), claims("holds"), 0, 1},
		{claims("holds"), claims("holds"), 0, 0},
		{claims("holds", "holds"), claims("holds"), 0, 1}, // removed: reported, not a regression
		{claims("holds"), claims("holds", "refuted"), 0, 1},
	} {
		d := Diff(tt.old, tt.new)
		if d.Regressions() != tt.regressions || len(d.Claims) != tt.changes {
			t.Errorf("%v → %v: %d regressions, %d changes; want %d, %d", tt.old.Claims, tt.new.Claims, d.Regressions(), len(d.Claims), tt.regressions, tt.changes)
		}
	}
}

// Cells are matched by their fields, not by their names: results of an
// earlier runner, whose claims name cells by their legacy IDs, against a
// run of today's, whose claims name them by today's IDs, show no change.
func TestDiffAcrossNameForms(t *testing.T) {
	old, new := readFixture(t, "results.json"), readFixture(t, "results.json")
	names := cellNames(new.Cells)
	for i := range new.Claims {
		cl := &new.Claims[i]
		for _, lines := range [][]string{cl.Holding, cl.Contradicting, cl.Flaky, cl.Excluded, cl.Unstable} {
			for j := range lines {
				lines[j], _ = evidenceText(lines[j], new.Cells, names)
			}
		}
	}
	if old.Claims[1].Holding[0] == new.Claims[1].Holding[0] {
		t.Fatalf("the claims name cells alike in both runs: %q", old.Claims[1].Holding[0])
	}
	slices.Reverse(new.Cells) // a merge may order them otherwise
	d := Diff(old, new)
	if !d.Empty() || d.Unchanged != len(old.Cells) {
		var buf bytes.Buffer
		DiffText(&buf, d)
		t.Errorf("want no change:\n%s", buf.String())
	}
}
