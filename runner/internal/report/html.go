package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// The page's template, style and script, embedded so the report is one
// self-contained file: no network, no CDN, works from file://.
var (
	//go:embed assets/index.html.tmpl
	pageTemplate string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/report.js
	pageJS string
)

var pageTmpl = template.Must(template.New("index.html").Parse(pageTemplate))

// meanings explain outcomes in the legend.
var meanings = map[string]string{
	results.Complete:   "exited 0 or printed the awaited line (the time until it did)",
	results.Hang:       "still running at the timeout",
	results.Fail:       "non-zero exit, a signal, or no awaited line",
	results.BuildError: "did not build with this toolchain and GOEXPERIMENT",
	results.Skip:       "not run (outside the case's go constraint, or no toolchain)",
}

// htmlVerdictSymbols mark verdicts with characters every font has (the
// page cannot count on an emoji font, as GitHub's Markdown can).
var htmlVerdictSymbols = map[string]string{
	results.Holds:    "✓",
	results.Refuted:  "✗",
	results.Partly:   "◐",
	results.Flaky:    "≈",
	results.Unstable: "↕",
	results.Untested: "?",
}

// samples show in the legend what the grid's squares say.
var samples = map[string]string{
	results.Complete:   "12 ms",
	results.Hang:       "hang",
	results.Fail:       "exit 2",
	results.BuildError: "build",
	results.Skip:       "skip",
}

// HTML writes r as one self-contained HTML page (results/index.html): the
// claims and their verdicts, then a heatmap — a row per case × version, a
// column per GOMAXPROCS × GODEBUG × GOEXPERIMENT (× go line)
// combination, a colour
// and a word per outcome, flaky, inert and claim-contradicting cells
// marked — with a legend, filters by case and outcome, a section per test
// case with a grid of the tests whose outcome differs between its cells,
// and each cell's details (exit, durations, its tests, output excerpts,
// goroutine dump, reproduce command) shown on click or at the URL's
// #cell=N, N its index in results.json.
//
// Everything a run recorded is untrusted text: the page is an
// html/template, so text in the markup is escaped; the cells' details
// travel as JSON in a <script type="application/json"> element, which the
// script reads with textContent and inserts with textContent only; and a
// Content-Security-Policy allows no script but the page's own (by hash)
// and no network at all, so markup that slipped through would still not
// run.
func HTML(w io.Writer, r *results.Results) error {
	page, err := newHTMLPage(r)
	if err != nil {
		return err
	}
	return pageTmpl.Execute(w, page)
}

type htmlPage struct {
	Title, Meta, File string
	Incomplete        bool
	Counts            []htmlCount
	Claims            []htmlClaim
	Minimums          []results.Minimum
	Cases             []string // the filter's options, in row order
	CaseInfo          []htmlCaseInfo
	Toolchains        []htmlToolchain
	Header            [][]htmlHead
	Columns           string // the legend of the axes the columns show
	InertLegend       string // what † marks
	Groups            []htmlGroup
	TestGrids         []htmlTestGrid
	Cells             []results.Cell
	Data              template.JS
	CSS               template.CSS
	JS                template.JS
	CSP               string
}

type htmlCount struct {
	Outcome, Meaning string
	Sample           string // what the grid shows for it
	N                int
}

type htmlClaim struct {
	ID, Claim, Source, Cells, Expect, Verdict, Symbol, Summary string
	Lists                                                      []htmlList
}

type htmlList struct {
	Title string
	Items []htmlItem
}

// An htmlItem is a line of a claim's evidence; Index is the cell it
// names (-1 when none is known), so the line links to its details.
type htmlItem struct {
	Text  string
	Index int
}

type htmlCaseInfo struct {
	Name, Dir, Go, Timeout, Description string
	Module, Package                     string // the module version a case tests
	CompleteOn                          string // the output regexp; "" for exit 0
	Tests                               bool   // kind: test, which runs its tests
}

type htmlToolchain struct {
	Selector, Version, Source, Error string
}

// An htmlHead is a header cell of the grid, spanning Span columns.
type htmlHead struct {
	Label, Title string
	Span         int
}

// An htmlGroup is a case's rows, one <tbody>, so the case filter hides it
// whole.
type htmlGroup struct {
	Case string
	Rows []htmlRow
}

type htmlRow struct {
	Case, Go string
	Span     int // rows of the case, on its first row
	Cells    []htmlCell
}

type htmlCell struct {
	Index                    int // in r.Cells; -1: no cell in this column
	Outcome, Label, Marks    string
	Title                    string
	Flaky, Inert, Unexpected bool
}

// htmlCellData is a cell's entry in the page's JSON: the cell as
// results.json records it, its ID, the claims naming it, and its
// durations formatted as the tables show them.
type htmlCellData struct {
	ID string `json:"id"`
	*results.Cell
	Claims []htmlCellClaim   `json:"claims,omitempty"`
	Text   map[string]string `json:"text"`
}

type htmlCellClaim struct {
	ID     string `json:"id"`
	Role   string `json:"role"`
	Expect string `json:"expect"`
	Detail string `json:"detail,omitempty"`
}

// newHTMLPage is what the page's template shows of r.
func newHTMLPage(r *results.Results) (*htmlPage, error) {
	p := &htmlPage{
		Title:      pageTitle(r.Matrix.File),
		Meta:       pageMeta(r),
		File:       r.Matrix.File,
		Incomplete: !r.Complete,
		Counts:     htmlCounts(r.Cells),
		Claims:     htmlClaims(r),
		Minimums:   minimumRows(r),
		CaseInfo:   htmlCases(r),
		Toolchains: htmlToolchains(r),
		Cells:      r.Cells,
		CSS:        template.CSS(pageCSS),
		JS:         template.JS(pageJS),
		CSP:        pageCSP(),
	}
	ev := Evidence(r)
	table := NewTable(r)
	p.Header = gridHeader(table)
	p.Columns = columnsLegend(table)
	p.InertLegend = inertLegend
	p.Groups = htmlGroups(r, table, ev)
	p.TestGrids = htmlTestGrids(r, table)
	for _, g := range p.Groups {
		p.Cases = append(p.Cases, g.Case)
	}
	data, err := cellData(r, ev)
	if err != nil {
		return nil, err
	}
	p.Data = data
	return p, nil
}

// pageTitle is the page's title, naming the matrix file when known.
func pageTitle(file string) string {
	if file == "" {
		return "gomatrix results"
	}
	return "gomatrix results — " + file
}

// pageMeta is the line under the title: cells, host, runner, when and
// how long, and what the run was limited to.
func pageMeta(r *results.Results) string {
	s := fmt.Sprintf("%d cells on %s/%s with %d CPUs, runner %s", len(r.Cells), r.Host.GOOS, r.Host.GOARCH, r.Host.CPUs, r.Runner)
	if !r.Started.IsZero() {
		s += ", started " + r.Started.UTC().Format("2006-01-02 15:04 UTC")
		if !r.Finished.IsZero() {
			s += fmt.Sprintf(", took %s", r.Finished.Sub(r.Started).Round(1e9))
		}
	}
	if r.Matrix.Repeat > 1 {
		s += fmt.Sprintf(", %d runs per cell", r.Matrix.Repeat)
	}
	if st := r.Stats; st.Builds+st.Runs+st.Cached > 0 {
		s += fmt.Sprintf(" (%d builds, %d runs", st.Builds, st.Runs)
		if st.Cached > 0 {
			s += fmt.Sprintf(", %d from the result cache", st.Cached)
		}
		s += ")"
	}
	if len(r.Matrix.Filter) > 0 {
		s += ", limited to " + strings.Join(r.Matrix.Filter, " ")
	}
	return s + "."
}

// htmlCounts are the legend's entries: every outcome, with its count.
func htmlCounts(cells []results.Cell) []htmlCount {
	counts := outcomeCounts(cells)
	var out []htmlCount
	for _, o := range results.Outcomes {
		out = append(out, htmlCount{Outcome: o, Meaning: meanings[o], Sample: samples[o], N: counts[o]})
	}
	return out
}

// htmlClaims are r's claims with their evidence.
func htmlClaims(r *results.Results) []htmlClaim {
	names := cellNames(r.Cells)
	var out []htmlClaim
	for _, c := range r.Claims {
		hc := htmlClaim{ID: c.ID, Claim: c.Claim, Source: c.Source, Cells: c.Cells, Expect: c.Expect,
			Verdict: c.Verdict, Symbol: htmlVerdictSymbols[c.Verdict], Summary: c.Summary}
		for _, l := range []struct {
			title string
			lines []string
		}{{"As expected", c.Holding}, {"Contradicting", c.Contradicting}, {"Flaky", c.Flaky}, {"Unstable", c.Unstable}, {"Excluded", c.Excluded}} {
			if len(l.lines) > 0 {
				hc.Lists = append(hc.Lists, evidenceList(l.title, l.lines, r.Cells, names))
			}
		}
		out = append(out, hc)
	}
	return out
}

// evidenceList is a claim's evidence lines under title, each naming the
// cell as the page does and linked to it (see evidenceText).
func evidenceList(title string, lines []string, cells []results.Cell, names map[string]int) htmlList {
	list := htmlList{Title: title}
	for _, line := range lines {
		text, idx := evidenceText(line, cells, names)
		list.Items = append(list.Items, htmlItem{Text: text, Index: idx})
	}
	return list
}

// htmlCases describe r's cases.
func htmlCases(r *results.Results) []htmlCaseInfo {
	var out []htmlCaseInfo
	for _, c := range r.Matrix.Cases {
		ci := htmlCaseInfo{Name: c.Name, Dir: c.Dir, CompleteOn: c.CompleteOn, Go: c.Go, Timeout: c.Timeout, Description: oneLine(c.Description),
			Module: c.Module, Package: c.Package, Tests: c.Kind == "test"}
		if ci.CompleteOn == "exit" {
			ci.CompleteOn = ""
		}
		out = append(out, ci)
	}
	return out
}

// htmlToolchains describe r's toolchains, an error by its first line.
func htmlToolchains(r *results.Results) []htmlToolchain {
	var out []htmlToolchain
	for _, t := range r.Toolchains {
		out = append(out, htmlToolchain{Selector: t.Selector, Version: t.Version, Source: t.Source, Error: firstLine(t.Error)})
	}
	return out
}

// htmlGroups are the grid's rows, a group per case (see groupRows).
func htmlGroups(r *results.Results, table *Table, ev map[string][]ClaimRef) []htmlGroup {
	roots := gorootsOf(r)
	index := map[*results.Cell]int{}
	for i := range r.Cells {
		index[&r.Cells[i]] = i
	}
	var out []htmlGroup
	for _, g := range groupRows(r, table) {
		hg := htmlGroup{Case: g[0].Case}
		for i, row := range g {
			hr := htmlRowOf(row, index, ev, roots)
			if i == 0 {
				hr.Span = len(g)
			}
			hg.Rows = append(hg.Rows, hr)
		}
		out = append(out, hg)
	}
	return out
}

// htmlRowOf is a row of the grid; index gives the position of each cell
// in r.Cells.
func htmlRowOf(row Row, index map[*results.Cell]int, ev map[string][]ClaimRef, roots goroots) htmlRow {
	hr := htmlRow{Case: row.Case, Go: row.Go}
	if row.OS != "" {
		hr.Go += " · " + row.OS // the host is an axis of merged results
	}
	for _, c := range row.Cells {
		if c == nil {
			hr.Cells = append(hr.Cells, htmlCell{Index: -1})
			continue
		}
		hr.Cells = append(hr.Cells, gridCell(c, index[c], ev[c.ID()], roots))
	}
	return hr
}

// cellData is the page's JSON: every cell's htmlCellData.
func cellData(r *results.Results, ev map[string][]ClaimRef) (template.JS, error) {
	data := make([]htmlCellData, len(r.Cells))
	for i := range r.Cells {
		c := &r.Cells[i]
		d := htmlCellData{ID: c.ID(), Cell: c, Text: cellTexts(c)}
		for _, ref := range ev[c.ID()] {
			d.Claims = append(d.Claims, htmlCellClaim{ID: ref.Claim.ID, Role: ref.Role, Expect: ref.Claim.Expect, Detail: ref.Detail})
		}
		data[i] = d
	}
	// json.Marshal escapes <, > and & (and U+2028, U+2029) as \uXXXX, so
	// the blob cannot end its <script> element or open a comment in it,
	// whatever a case printed: it is safe to insert verbatim.
	blob, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("render html: %w", err)
	}
	return template.JS(blob), nil
}

// pageCSP is the page's Content-Security-Policy: no network, and no
// script or style but the page's own.
func pageCSP() string {
	return fmt.Sprintf("default-src 'none'; script-src '%s'; style-src '%s'; img-src data:; base-uri 'none'; form-action 'none'",
		cspHash(pageJS), cspHash(pageCSS))
}

// cspHash is the Content-Security-Policy source allowing an inline
// element with exactly this content.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// gridHeader returns the grid's header rows: a row per axis the table
// shows (see Table.axes), outermost first — GOMAXPROCS, GODEBUG,
// GOEXPERIMENT, the go line — each merging adjacent columns that share
// the values of its axis and of the axes above it.
func gridHeader(t *Table) [][]htmlHead {
	axes := t.axes()
	// labels[i] are column i's labels, an axis each.
	labels := make([][]string, len(t.Columns))
	for i := range t.Columns {
		for _, row := range t.Rows { // every column has a cell in some row
			if c := row.Cells[i]; c != nil {
				for _, a := range axes {
					labels[i] = append(labels[i], a.label(c))
				}
				break
			}
		}
	}
	rows := make([][]htmlHead, len(axes))
	for level, a := range axes {
		for i, l := range labels {
			// Same values on this axis and every axis above: one cell.
			if i > 0 && slices.Equal(labels[i-1][:level+1], l[:level+1]) {
				rows[level][len(rows[level])-1].Span++
				continue
			}
			v := strings.TrimPrefix(l[level], a.letter+"=")
			if v == "–" {
				v = "unset"
			}
			rows[level] = append(rows[level], htmlHead{Label: l[level], Title: a.name + " " + v, Span: 1})
		}
	}
	return rows
}

// groupRows orders the table's rows case by case — cases in the matrix's
// order, versions in the order they first appear — and groups them.
func groupRows(r *results.Results, t *Table) [][]Row {
	caseOrder := map[string]int{}
	for i, c := range r.Matrix.Cases {
		caseOrder[c.Name] = i
	}
	rows := append([]Row(nil), t.Rows...)
	first := map[string]int{}
	for i, row := range rows {
		if _, ok := first[row.Case]; !ok {
			first[row.Case] = i
		}
	}
	rank := func(name string) (int, int) {
		if i, ok := caseOrder[name]; ok {
			return i, 0
		}
		return len(caseOrder), first[name]
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a1, a2 := rank(rows[i].Case)
		b1, b2 := rank(rows[j].Case)
		if a1 != b1 {
			return a1 < b1
		}
		return a2 < b2
	})
	var groups [][]Row
	for i, row := range rows {
		if i == 0 || rows[i-1].Case != row.Case {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], row)
	}
	return groups
}

// gridCell is a cell's square in the grid: a short label, marks for
// flaky (~), inert (†) and contradicting a claim (!), and a title saying
// it all in words.
func gridCell(c *results.Cell, index int, refs []ClaimRef, roots goroots) htmlCell {
	hc := htmlCell{Index: index, Outcome: c.Outcome, Label: shortLabel(c), Flaky: c.Flaky, Inert: len(c.Inert) > 0}
	title := []string{c.ID() + ": " + c.Outcome}
	if c.Outcome == results.Complete && c.CompleteMS != nil {
		title[0] += " after " + FormatMS(*c.CompleteMS)
		if s, ok := results.SpreadOf(c.CompleteTimes()); ok && s.N > 1 {
			title[0] += " (median; " + s.String() + ")"
		}
	}
	if reason := roots.reasonLine(c, firstLine(c.Reason)); reason != "" {
		title = append(title, reason)
	}
	if c.Runs > 1 {
		title = append(title, fmt.Sprintf("%d runs: %s", c.Runs, countsText(c, " ", ", ")))
	}
	if c.Cached {
		title = append(title, "taken from the result cache")
	}
	if c.Flaky {
		hc.Marks += "~"
		title = append(title, "flaky: the runs disagreed")
	}
	if hc.Inert {
		hc.Marks += "†"
		for _, in := range c.Inert {
			title = append(title, "inert: "+in)
		}
	}
	if c.InertError != "" {
		title = append(title, c.InertError)
	}
	if c.TimingError != "" {
		title = append(title, "timing error: "+c.TimingError)
	}
	if c.GoModAdapted != "" {
		title = append(title, "go.mod adapted: "+c.GoModAdapted)
	}
	for _, ref := range refs {
		if ref.Role == Contradicting {
			if !hc.Unexpected {
				hc.Marks += "!"
			}
			hc.Unexpected = true
			title = append(title, "contradicts "+ref.Claim.ID+" (expected "+ref.Claim.Expect+")")
		}
	}
	hc.Title = strings.Join(title, "\n")
	return hc
}

// shortLabel is the text inside a grid square.
func shortLabel(c *results.Cell) string {
	switch c.Outcome {
	case results.Complete:
		if c.CompleteMS != nil {
			return FormatMS(*c.CompleteMS)
		}
		return "ok"
	case results.BuildError:
		return "build"
	case results.Fail:
		if c.ExitCode != nil && *c.ExitCode != 0 {
			return "exit " + strconv.Itoa(*c.ExitCode)
		}
		if c.Signal != "" {
			return c.Signal
		}
	}
	return c.Outcome
}

// cellTexts are the details' formatted values of a cell.
func cellTexts(c *results.Cell) map[string]string {
	t := map[string]string{"label": shortLabel(c)}
	if c.Runs > 0 {
		t["duration"] = FormatMS(c.DurationMS)
	}
	if c.CompleteMS != nil {
		t["complete"] = FormatMS(*c.CompleteMS)
		if s, ok := results.SpreadOf(c.CompleteTimes()); ok && s.N > 1 {
			t["complete"] = "median " + s.String()
		}
	}
	if c.SelfMS != nil {
		t["self"] = FormatMS(*c.SelfMS)
	}
	if c.TimeoutMS > 0 {
		t["timeout"] = FormatMS(float64(c.TimeoutMS))
	}
	if c.BuildMS > 0 {
		t["build"] = FormatMS(c.BuildMS)
	}
	if len(c.Counts) > 0 {
		t["counts"] = countsText(c, " ", ", ")
	}
	return t
}
