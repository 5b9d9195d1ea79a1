package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// The grid's columns show the axes some cell sets, "–" for a cell that
// leaves one unset, and GOMAXPROCS alone when no cell sets any.
func TestColumnsShowUsedAxes(t *testing.T) {
	cell := func(p int, d, e string) results.Cell {
		return results.Cell{Case: "c", Go: "go1.26.8", GOMAXPROCS: p, GODEBUG: d, GOEXPERIMENT: e, Outcome: results.Complete}
	}
	for _, tt := range []struct {
		name    string
		cells   []results.Cell
		columns []string
		legend  string
	}{
		{"no axis", []results.Cell{cell(0, "", "")}, []string{"P=–"}, "P = GOMAXPROCS, – = unset"},
		{"GOMAXPROCS", []results.Cell{cell(1, "", ""), cell(2, "", "")}, []string{"P=1", "P=2"}, "P = GOMAXPROCS"},
		{"GODEBUG only", []results.Cell{cell(0, "", ""), cell(0, "x=1", "")}, []string{"D=–", "D=x=1"}, "D = GODEBUG, – = unset"},
		{"all", []results.Cell{cell(1, "", ""), cell(1, "", "e"), cell(1, "x=1", "")},
			[]string{"P=1 D=– E=–", "P=1 D=– E=e", "P=1 D=x=1 E=–"}, "P = GOMAXPROCS, D = GODEBUG, E = GOEXPERIMENT, – = unset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &results.Results{Cells: tt.cells}
			table := NewTable(r)
			if !slices.Equal(table.Columns, tt.columns) || !slices.Equal(table.columnLabels(), tt.columns) {
				t.Errorf("columns %q, labels %q, want %q", table.Columns, table.columnLabels(), tt.columns)
			}
			if got := columnsLegend(table); got != tt.legend {
				t.Errorf("legend %q, want %q", got, tt.legend)
			}
			if header := gridHeader(table); len(header) != len(strings.Fields(tt.columns[0])) {
				t.Errorf("header rows %+v, want one per axis of %q", header, tt.columns[0])
			}
		})
	}
}

// Claims of a results.json from an earlier runner name cells by their
// legacy IDs: they are matched to the cells, and reports show today's
// names.
func TestEvidenceLegacyNames(t *testing.T) {
	r := readFixture(t, "results.json") // its claims hold legacy IDs
	if !strings.Contains(r.Claims[1].Contradicting[0], "E=–") {
		t.Fatalf("the fixture's claims no longer hold legacy IDs: %q", r.Claims[1].Contradicting)
	}
	ev := Evidence(r)
	for _, tt := range []struct {
		cell   int
		claim  string
		role   string
		detail string
	}{
		{0, "C2", Holding, "hang"},
		{1, "C2", Excluded, "inert: GOEXPERIMENT=preemptibleloops is inert"},
		{2, "C2", Contradicting, "complete in 3.0 ms"},
		{8, "C3", Contradicting, "hang"},
	} {
		id := r.Cells[tt.cell].ID()
		refs := ev[id]
		if len(refs) != 1 || refs[0].Claim.ID != tt.claim || refs[0].Role != tt.role || refs[0].Detail != tt.detail {
			t.Errorf("Evidence[%q] = %+v, want %s %s %q", id, refs, tt.claim, tt.role, tt.detail)
		}
	}
	var md bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- busyloop go1.13.15 P=1 D=asyncpreemptoff=1: complete in 3.0 ms\n", "- xss go1.26.8 P=1: hang\n"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	for i := range r.Cells {
		if legacy := r.Cells[i].LegacyID(); legacy != r.Cells[i].ID() && strings.Contains(md.String(), legacy) {
			t.Errorf("markdown names a cell by its legacy ID %q", legacy)
		}
	}
}

func TestEvidenceText(t *testing.T) {
	cells := []results.Cell{
		{Case: "b", Go: "go1.26.8", GOMAXPROCS: 1},
		{Case: "b", Go: "go1.26.8", GOMAXPROCS: 1, GODEBUG: "a=1: b"}, // a colon in a name
	}
	names := cellNames(cells)
	for line, want := range map[string]struct {
		text string
		idx  int
	}{
		"b go1.26.8 P=1: hang":                        {"b go1.26.8 P=1: hang", 0},
		"b go1.26.8 P=1 D=– E=–: hang":                {"b go1.26.8 P=1: hang", 0},
		"b go1.26.8 P=1 D=a=1: b E=–: fail: x: y":     {"b go1.26.8 P=1 D=a=1: b: fail: x: y", 1},
		"b go1.26.8 P=1 D=a=1: b: complete in 3.0 ms": {"b go1.26.8 P=1 D=a=1: b: complete in 3.0 ms", 1},
		"b go1.26.8 P=1 D=– E=–":                      {"b go1.26.8 P=1", 0},
		"the run of yesterday gave holds":             {"the run of yesterday gave holds", -1},
	} {
		if text, idx := evidenceText(line, cells, names); text != want.text || idx != want.idx {
			t.Errorf("evidenceText(%q) = %q, %d; want %q, %d", line, text, idx, want.text, want.idx)
		}
	}
}

// A fail cell's note gives its fatal line: a deadlock and a panic are
// two notes, not one "exit status 2".
func TestNotesFatalLine(t *testing.T) {
	exit2 := 2
	fail := func(p int, fatal string) results.Cell {
		return results.Cell{Case: "c", Go: "go1.26.8", GOMAXPROCS: p, Outcome: results.Fail, Reason: "exit status 2", ExitCode: &exit2, FatalLine: fatal}
	}
	r := &results.Results{Cells: []results.Cell{
		fail(1, "fatal error: all goroutines are asleep - deadlock!"),
		fail(2, "panic: boom"),
		fail(3, ""),
		{Case: "c", Go: "go1.26.8", GOMAXPROCS: 4, Outcome: results.Fail, Reason: "exit status 2: panic: boom", FatalLine: "panic: boom"},
	}}
	got := notes(r.Cells, nil)
	want := []string{
		"❌ fail: exit status 2: fatal error: all goroutines are asleep - deadlock! — 1 cell(s): c go1.26.8 P=1",
		"❌ fail: exit status 2: panic: boom — 2 cell(s): c go1.26.8 P=2; c go1.26.8 P=4",
		"❌ fail: exit status 2 — 1 cell(s): c go1.26.8 P=3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	hc := gridCell(&r.Cells[0], 0, nil, nil)
	if !strings.Contains(hc.Title, "\nexit status 2: fatal error: all goroutines are asleep - deadlock!") {
		t.Errorf("title %q lacks the fatal line", hc.Title)
	}
}

// Summaries write the cell's toolchain's directory $GOROOT: reasons that
// differ only by it are one note.
func TestNotesGOROOT(t *testing.T) {
	cell := func(v string) results.Cell {
		return results.Cell{Case: "c", Selector: ">=1.15", Go: v, GOMAXPROCS: 1, Outcome: results.BuildError,
			Reason: "package net/netip is not in GOROOT (/root/.cache/gomatrix/toolchains/" + v + "/src/net/netip)"}
	}
	r := &results.Results{
		Toolchains: []toolchain.Toolchain{
			{Selector: ">=1.15", Version: "go1.15.15", GOROOT: "/root/.cache/gomatrix/toolchains/go1.15.15"},
			{Selector: ">=1.15", Version: "go1.16.15", GOROOT: "/root/.cache/gomatrix/toolchains/go1.16.15"},
		},
		Cells: []results.Cell{cell("go1.15.15"), cell("go1.16.15"), cell("go1.17.13")}, // go1.17.13: no toolchain recorded
	}
	got := notes(r.Cells, gorootsOf(r))
	want := []string{
		"🔨 build-error: package net/netip is not in GOROOT ($GOROOT/src/net/netip) — 2 cell(s): c go1.15.15 P=1; c go1.16.15 P=1",
		"🔨 build-error: package net/netip is not in GOROOT (/root/.cache/gomatrix/toolchains/go1.17.13/src/net/netip) — 1 cell(s): c go1.17.13 P=1",
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "$", `\$`) // as MarkdownText escapes it
	}
	if !slices.Equal(got, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Cells[0].Reason != cell("go1.15.15").Reason {
		t.Error("the recorded reason was changed")
	}
}

// An inert cell carries † in every grid, with the legend saying what it
// means in the same words.
func TestInertMark(t *testing.T) {
	r := readFixture(t, "results.json")
	inert := &r.Cells[1]
	if len(inert.Inert) == 0 {
		t.Fatal("the fixture's cell 1 is no longer inert")
	}
	var md, page bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| ⏳ hang 3/3 † |") || !strings.Contains(md.String(), "† "+inertLegend) {
		t.Errorf("markdown lacks the mark or its legend:\n%s", md.String())
	}
	if !strings.Contains(page.String(), `hang<sup>†</sup></i> `+inertLegend) || !strings.Contains(page.String(), `title="busyloop go1.13.15 P=1 E=preemptibleloops: hang`) {
		t.Error("the page lacks the legend of † or the inert cell")
	}
	if hc := gridCell(inert, 1, nil, nil); hc.Marks != "†" || !hc.Inert {
		t.Errorf("grid square %+v, want marked †", hc)
	}
	if c := gridCell(&r.Cells[0], 0, nil, nil); strings.Contains(c.Marks, "†") {
		t.Errorf("a cell whose settings took effect is marked: %+v", c)
	}
}

// In a test case's grid too, the squares of an inert cell are marked.
func TestInertMarkTestGrid(t *testing.T) {
	r := reporttest.Tests()
	r.Cells[2].Inert = []string{"GODEBUG x=1 is inert: go1.22.12's standard library does not read x"}
	var md, page bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "❌ fail † |") || !strings.Contains(md.String(), "; † "+inertLegend+".") {
		t.Errorf("the markdown test grid lacks the mark or its legend:\n%s", md.String())
	}
	if !strings.Contains(page.String(), `<a class="cell t-fail inert" href="#cell=2"`) || !strings.Contains(page.String(), ">fail<sup>†</sup></a>") {
		t.Error("the page's test grid lacks the mark")
	}
}
