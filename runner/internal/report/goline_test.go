package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Results with a go_line axis render it as L wherever P, D and E are:
// columns in the matrix's order of the axis, the legend, the notes (a
// go.mod adapted), the cases (a module version), JUnit's details.
func TestGoLineGolden(t *testing.T) {
	checkGoldens(t, "goline", reporttest.GoLine())
}

// checkGoldens renders r in Markdown, HTML, CSV and JUnit and compares
// each with testdata/NAME.md, .html, .csv and .xml.
func checkGoldens(t *testing.T, name string, r *results.Results) {
	t.Helper()
	for _, f := range []struct {
		ext    string
		render func(io.Writer, *results.Results) error
	}{
		{".md", Markdown}, {".html", HTML}, {".csv", CSV}, {".xml", JUnit},
	} {
		t.Run(name+f.ext, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.render(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "testdata/"+name+f.ext, buf.Bytes())
			if f.ext == ".md" {
				reporttest.CheckMarkdown(t, name+f.ext, buf.String())
			}
		})
	}
}

// The columns follow the matrix's order of go lines, not the cells'.
func TestGoLineColumns(t *testing.T) {
	table := NewTable(reporttest.GoLine())
	// No cell sets GODEBUG or GOEXPERIMENT: the columns leave them out,
	// as the cells' names do.
	want := []string{"P=1 L=toolchain", "P=1 L=1.21"}
	if !table.GoLine || !slices.Equal(table.Columns, want) {
		t.Errorf("columns %q (go line %v), want %q", table.Columns, table.GoLine, want)
	}
	header := gridHeader(table)
	if len(header) != 2 || len(header[1]) != 2 || header[1][0].Title != "go line toolchain" || header[0][0].Span != 2 {
		t.Errorf("grid header %+v, want P spanning both columns, then a row of go lines", header)
	}
	if HasGoLineAxis(readFixture(t, "results.json")) {
		t.Error("results without a go_line axis are said to have one")
	}
}

// A JUnit testcase is named with its go line, so cells differing only by
// it stay apart, and its details say the axis value and the adaptation.
func TestGoLineJUnit(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, reporttest.GoLine()); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range got.Suites[0].Cases {
		names[c.Name] = true
	}
	if len(names) != 4 || !names["go1.22.12 P=1 L=1.21"] {
		t.Errorf("testcase names %v, want 4 distinct ones with L=", names)
	}
	for _, want := range []string{"go line axis: 1.21\n", "go.mod adapted: toolchain line removed\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("junit lacks %q", want)
		}
	}
}

// Cells that differ only by their go line are different cells: a run
// listing them in another order (merged shards) pairs each with itself,
// and a change of one is that cell's.
func TestGoLineDiff(t *testing.T) {
	old, new := reporttest.GoLine(), reporttest.GoLine()
	slices.Reverse(new.Cells)
	changed := &new.Cells[len(new.Cells)-1] // go1.22.12 L=1.21
	ms := 3.0
	changed.Outcome, changed.ExitCode, changed.Reason, changed.CompleteMS = results.Complete, nil, "", &ms
	d := Diff(old, new)
	d.OldName, d.NewName = "old.json", "new.json"
	if len(d.Changed) != 1 || d.Changed[0].New != changed || d.Unchanged != 3 || len(d.Added)+len(d.Removed) != 0 {
		var buf bytes.Buffer
		DiffText(&buf, d)
		t.Fatalf("want only %s changed:\n%s", changed.ID(), buf.String())
	}
	var text, md bytes.Buffer
	if err := DiffText(&text, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/goline-diff.txt", text.Bytes())
	if err := DiffMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/goline-diff.md", md.Bytes())
}
