package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A test case renders its tests: the grid of those that differ between
// its cells, with the others counted, in every format.
func TestTestsGolden(t *testing.T) {
	checkGoldens(t, "tests", reporttest.Tests())
}

// In JUnit a test case's cell is a testcase per test, told apart from
// the same test in another cell by its class; a cell that ran no tests
// stays one testcase.
func TestTestsJUnit(t *testing.T) {
	r := reporttest.Tests()
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	s := got.Suites[0]
	want := 1 // the cell with no tests to run
	for _, c := range r.Cells {
		if c.Case == "parse" {
			want += len(c.Tests)
		}
	}
	if s.Name != "parse" || s.Tests != want || s.Failures != 3 || s.Errors != 0 || s.Skipped != 6 || got.Errors != 0 {
		t.Errorf("suite %s: %d tests, %d failures, %d errors, %d skipped; want %d, 2 (TestRace and its subtest), 1 (TestWait), 6",
			s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, want)
	}
	seen := map[string]bool{}
	for _, c := range s.Cases {
		if k := c.Classname + "\x00" + c.Name; seen[k] {
			t.Errorf("two testcases %q %q", c.Classname, c.Name)
		} else {
			seen[k] = true
		}
	}
}

// testsRegressed is reporttest.Tests() run again, with: TestZone failing
// on go1.26.8 P=1 (the cell now fails: a regression of the cell and of
// the test); TestFormat failing too on go1.22.12 P=1, which failed
// already (a regression of the test alone); the hang on go1.26.8 P=2
// gone, TestWait passing and TestZone run; TestRound gone on go1.22.12
// P=2.
func testsRegressed(t *testing.T) *results.Results {
	r := reporttest.Tests()
	set := func(c *results.Cell, name, outcome, output string) {
		for i := range c.Tests {
			if c.Tests[i].Name == name {
				c.Tests[i].Outcome, c.Tests[i].Output = outcome, output
				return
			}
		}
		t.Fatalf("no test %s in %s", name, c.ID())
	}
	p1, p2 := &r.Cells[4], &r.Cells[5]
	set(p1, "TestZone", results.TestFail, "zone_test.go:7: no zone UTC+14")
	p1.Outcome, p1.Reason, p1.CompleteMS = results.Fail, "1 test failed: TestZone", nil
	set(&r.Cells[2], "TestFormat", results.TestFail, "format_test.go:12: got 1e+06")
	r.Cells[2].Reason = "2 tests failed: TestFormat, TestRace/parallel"
	set(p2, "TestWait", results.TestPass, "")
	p2.Tests = append(p2.Tests, results.Test{Name: "TestZone", Outcome: results.TestPass, ElapsedMS: 11})
	ms := 40.0
	p2.Outcome, p2.Reason, p2.CompleteMS, p2.DurationMS = results.Complete, "", &ms, 41
	r.Cells[3].Tests = slices.DeleteFunc(r.Cells[3].Tests, func(x results.Test) bool { return x.Name == "TestRound" })
	return r
}

// A diff of test cases lists each test that changed in a cell of both
// runs, regressions first: a test that passed and now fails counts even
// where its cell failed already.
func TestTestsDiffGolden(t *testing.T) {
	d := Diff(reporttest.Tests(), testsRegressed(t))
	d.OldName, d.NewName = "old.json", "new.json"
	var text, md bytes.Buffer
	if err := DiffText(&text, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/tests-diff.txt", text.Bytes())
	if err := DiffMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/tests-diff.md", md.Bytes())
	reporttest.CheckMarkdown(t, "tests-diff.md", md.String())

	var got []string
	for _, c := range d.Tests {
		got = append(got, fmt.Sprintf("%s %s: %s %v", c.New.Go, c.Name, c.change(), c.Regression))
	}
	want := []string{
		"go1.22.12 TestFormat: pass → fail true",
		"go1.26.8 TestZone: pass → fail true",
		"go1.22.12 TestRound: removed, was pass false",
		"go1.26.8 TestWait: running → pass false",
		"go1.26.8 TestZone: added, pass false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("test changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The cell that went complete → fail, and the two tests.
	if n := d.Regressions(); n != 3 {
		t.Errorf("%d regressions, want 3", n)
	}
	if same := Diff(reporttest.Tests(), reporttest.Tests()); !same.Empty() {
		t.Errorf("a run against itself has test changes: %+v", same.Tests)
	}
}

// The step summary's limit holds with test cases: a cut in a grid of
// tests names it, a cut in the output excerpts closes their <details>.
func TestTestsMarkdownLimited(t *testing.T) {
	r := reporttest.Tests()
	// A long description makes the Markdown long enough after the
	// section of tests for a cut in it to leave room for the note.
	r.Matrix.Cases[1].Description = strings.Repeat("a long description ", 200)
	var full bytes.Buffer
	if err := Markdown(&full, r); err != nil {
		t.Fatal(err)
	}
	const where = "results/index.html"
	for _, at := range []string{"| TestWait | go1.22.12", "`     race_test.go:32"} {
		i := strings.Index(full.String(), at)
		if i < 0 {
			t.Fatalf("no %q in the Markdown", at)
		}
		limit := i + noteReserve + len(where) + 1
		var buf bytes.Buffer
		if err := MarkdownLimited(&buf, r, limit, where); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if len(out) > limit || !strings.Contains(out, "rest of Tests of `parse`") && !strings.Contains(out, "rows of Tests of `parse`") {
			t.Errorf("cut at %q: %d bytes (limit %d):\n%s", at, len(out), limit, out)
		}
		if o, c := strings.Count(out, "<details>"), strings.Count(out, "</details>"); o != c {
			t.Errorf("cut at %q: %d <details> but %d </details>", at, o, c)
		}
		reporttest.CheckMarkdown(t, "cut at "+at, out)
		t.Log(out[strings.LastIndex(out, "> **Cut"):])
	}
}

// A suite whose every test differs between cells, each printing, stays
// bounded in Markdown: mdMaxTests tests in the grid, mdMaxOutputs
// excerpts, and a line saying how many more there are.
func TestTestsMarkdownBounded(t *testing.T) {
	r := reporttest.Tests()
	for i := range r.Cells[:6] {
		c := &r.Cells[i]
		c.Tests = nil
		for n := range 2000 {
			o := []string{results.TestPass, results.TestFail}[(n+i)%2]
			c.Tests = append(c.Tests, results.Test{Name: fmt.Sprintf("TestMany%04d", n), Outcome: o, Output: strings.Repeat("x", 1000) + "\nline\n"})
		}
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	section := md[strings.Index(md, "## Tests of"):strings.Index(md, "## Notes")]
	if rows := strings.Count(section, "\n| TestMany"); rows != mdMaxTests*3 {
		t.Errorf("%d rows of tests, want %d (%d tests × 3 versions)", rows, mdMaxTests*3, mdMaxTests)
	}
	for _, want := range []string{"1950 more tests differ", "5990 more; the HTML report"} {
		if !strings.Contains(section, want) {
			t.Errorf("the section lacks %q", want)
		}
	}
	if len(section) > 64<<10 {
		t.Errorf("the section of a case is %d bytes, want it bounded", len(section))
	}
	reporttest.CheckMarkdown(t, "bounded", md)
}

// Program cases have no section of tests, in Markdown and on the page.
func TestTestsOnlyForTestCases(t *testing.T) {
	r := readFixture(t, "results.json")
	if g := testGrids(r, NewTable(r)); len(g) != 0 {
		t.Errorf("results of programs have %d grids of tests", len(g))
	}
	g := testGrids(reporttest.Tests(), NewTable(reporttest.Tests()))
	if len(g) != 1 || g[0].Case != "parse" || g[0].Ran != 5 || g[0].Cells != 6 ||
		!slices.Equal(g[0].Differ, []string{"TestRace", "TestRace/parallel", "TestWait", "TestZone"}) ||
		len(g[0].Same[results.TestPass]) != 6 || !slices.Equal(g[0].Same[results.TestSkip], []string{"TestWindows"}) {
		t.Errorf("grid of parse: %+v", g[0])
	}
}

// A test case none of whose cells ran tests says so, and in JUnit a
// build error of its tests is a failure.
func TestTestsNoneRan(t *testing.T) {
	r := reporttest.Tests()
	for i := range r.Cells[:6] {
		c := &r.Cells[i]
		c.Tests, c.Outcome, c.Reason, c.BuildOutput = nil, results.BuildError, "build: exit status 1", "./x_test.go:3: undefined: y"
	}
	for name, want := range map[string]string{
		"markdown": "## Tests of `parse`\n\nNo cell ran tests (🔨 6 build-error).\n",
		"html":     "<p>No cell ran tests (6 build-error).</p>\n</section>",
		"junit":    `<error message="build: exit status 1" type="build-error"><![CDATA[./x_test.go:3: undefined: y]]></error>`,
	} {
		out, err := Render(name, r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, out)
		}
	}
}
