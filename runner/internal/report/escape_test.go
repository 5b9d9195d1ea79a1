package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8 P=1 D=– E=–":     "go1.26.8 P=1 D=– E=–",
		"a\tb":                     "a\tb",
		"\x1b[31mred\x1b[0m":       `\x1b[31mred\x1b[0m`,
		"a\r\n::error::x":          `a\r\n::error::x`,
		"\x00\x7f\u0085\u2028":     `\x00\x7f\u0085\u2028`,
		"\u202eevil":               `\u202eevil`,
		"bad \xff utf-8":           `bad \xff utf-8`,
		`already \x1b escaped "q"`: `already \x1b escaped "q"`,
	} {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8 P=1 D=asyncpreemptoff=1": "go1.26.8 P=1 D=asyncpreemptoff=1",
		"0.1.0-dev":                        "0.1.0-dev",
		"<img src=x onerror=alert(1)>|x":   `&lt;img src=x onerror=alert(1)&gt;\|x`,
		"[a](javascript:x) ![i](http://e)": `\[a\](javascript:x) !\[i\](http://e)`,
		"`code` *em* _em_ ~~s~~ $x$":       "\\`code\\` \\*em\\* \\_em\\_ \\~\\~s\\~\\~ \\$x\\$",
		`back\slash &lt;`:                  `back\\slash &amp;lt;`,
		"two\nlines\r\nthree":              "two lines three",
		"\x1b[2J":                          `\\x1b\[2J`,
		"# heading":                        `\# heading`,
		"- item":                           `\- item`,
		"12. item":                         `12\. item`,
		"---":                              `\---`,
		"-1 is a number":                   "-1 is a number",
	} {
		if got := MarkdownText(in); got != want {
			t.Errorf("MarkdownText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"matrix.yaml":  "`matrix.yaml`",
		"<b>":          "`<b>`",
		"a`b":          "``a`b``",
		"`1.13`":       "`` `1.13` ``",
		"a``b`":        "``` a``b` ```",
		" x":           "`  x `",
		"a|b":          `a\|b`, // no code span can hold a pipe everywhere
		"line\nbreak":  "`line break`",
		"esc\x1b[31m":  "`esc\\x1b[31m`",
		"":             "",
		"case=busy* v": "`case=busy* v`",
	} {
		if got := markdownCode(in); got != want {
			t.Errorf("markdownCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVField(t *testing.T) {
	for in, want := range map[string]string{
		reporttest.Formula: "'" + reporttest.Formula,
		"+cmd":             "'+cmd",
		"-2+3":             "'-2+3",
		"@SUM(1)":          "'@SUM(1)",
		"\tx":              "'\tx",
		"\rx":              "'\rx",
		"-1":               "-1",
		"+2.5":             "+2.5",
		"a=b":              "a=b",
		"":                 "",
	} {
		if got := csvField(in); got != want {
			t.Errorf("csvField(%q) = %q, want %q", in, got, want)
		}
	}
}

// The hostile fixture through every renderer: nothing it holds may act.

func TestHostileMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, reporttest.Hostile()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	reporttest.CheckMarkdown(t, "results.md", md)
	// The case's name reads as itself, in the outcomes and the cases.
	if n := strings.Count(md, `&lt;img src=x onerror=alert(1)&gt;\|x`); n < 3 {
		t.Errorf("the case's name appears escaped %d times, want it in every row and in the cases:\n%s", n, md)
	}
	// The test case's section shows the test's name and output, escaped:
	// in the grid, and line by line in the output excerpts.
	for _, want := range []string{"## Tests of t\\`&lt;b&gt;\\|x", "| " + MarkdownText(reporttest.TestName) + " | go1.26.8 | ❌ fail | ⏳ running |",
		"`::error::test`\\\n", "\\[x\\](y) \\| \\$z\\$", "`</details>`\\\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// A cut summary too: its note names where the full report is.
	buf.Reset()
	if err := MarkdownLimited(&buf, reporttest.Hostile(), 2000, "out/<b>[x](y)/index.html"); err != nil {
		t.Fatal(err)
	}
	reporttest.CheckMarkdown(t, "results-cut.md", buf.String())
}

func TestHostileHTML(t *testing.T) {
	r := reporttest.Hostile()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<img", "<b>", "<i>", "</script><script>", "href=\"javascript:", "<!["} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if n := len(regexp.MustCompile(`(?i)<script`).FindAllString(page, -1)); n != 2 {
		t.Errorf("%d <script> tags, want 2", n)
	}
	// The policy comes before anything a run recorded.
	csp := strings.Index(page, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-`)
	if first := strings.Index(page, "&lt;"); csp < 0 || csp > first {
		t.Errorf("no Content-Security-Policy before the first text of the run (at %d, first text at %d)", csp, first)
	}
	// The details reach the script as data, unchanged.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="cell-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no cell data")
	}
	var data []results.Cell
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	c := r.Cells[0]
	if got := data[0]; got.Case != c.Case || got.Stdout.Head != c.Stdout.Head || got.Reproduce != c.Reproduce || got.GoroutineDump != c.GoroutineDump {
		t.Errorf("cell data = %+v, want the cell as recorded", got)
	}
	checkHostileTestsHTML(t, page, data[len(data)-1])
}

// checkHostileTestsHTML checks that the tests of Hostile's test case
// reach the page's data as recorded (last is the data of its hanging
// cell), and its grid of tests escaped as text: a row's header, a
// square's title and data-test.
func checkHostileTestsHTML(t *testing.T, page string, last results.Cell) {
	t.Helper()
	if got := last.Tests; len(got) != 2 || got[1].Name != reporttest.TestName || got[1].Output != reporttest.TestOutput {
		t.Errorf("tests in the cell data = %+v, want them as recorded", got)
	}
	name := html.EscapeString(reporttest.TestName)
	for _, want := range []string{`<h2 id="tests-0-h">Tests of <code>t` + "`" + `&lt;b&gt;|x</code></h2>`,
		`title="` + name + `">` + name + `</th>`, `data-test="` + name + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestHostileCSV(t *testing.T) {
	r := reporttest.Hostile()
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, col := readCSV(t, &buf, len(r.Cells))
	for i, row := range rows {
		for j, f := range row {
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) && !plainNumber.MatchString(f) {
				t.Errorf("row %d, %s: %q would run as a formula", i, rows[0][j], f)
			}
		}
	}
	for field, want := range map[string]string{"reason": "'" + reporttest.Formula, "exit_code": "-1", "signal": "'+killed"} {
		found := false
		for _, row := range rows[1:] {
			found = found || row[col[field]] == want
		}
		if !found {
			t.Errorf("no %s %q", field, want)
		}
	}
	if got := rows[1][col["stdout_head"]]; got != reporttest.Stdout {
		t.Errorf("stdout_head = %q, want the output as printed", got)
	}
	// The failing tests' names, the first a formula: quoted as one field.
	fail, hang := rows[len(rows)-2], rows[len(rows)-1]
	if got, want := fail[col["tests_failed"]], "'"+reporttest.TestFormula+" "+reporttest.TestName; got != want {
		t.Errorf("tests_failed = %q, want %q", got, want)
	}
	if got := hang[col["tests_running"]]; got != reporttest.TestName || hang[col["tests_count"]] != "2" {
		t.Errorf("tests_running = %q, tests_count %q, want %q and 2", got, hang[col["tests_count"]], reporttest.TestName)
	}
}

func TestHostileJUnit(t *testing.T) {
	r := reporttest.Hostile()
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	programCells := len(r.Cells) - 2 // the last two are the test case's
	if len(got.Suites) != 3 || got.Suites[0].Name != reporttest.CaseName || len(got.Suites[0].Cases) != programCells {
		t.Fatalf("suites %+v, want one named %q with %d cases, then the test case's", got.Suites, reporttest.CaseName, programCells)
	}
	// Text and attributes read back as written, but for what XML 1.0
	// cannot hold (U+FFFD instead) and its line ends (CR becomes LF).
	xmlText := func(s string) string {
		return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(xmlSafe(s))
	}
	ev := Evidence(r)
	for i, tc := range got.Suites[0].Cases {
		c := &r.Cells[i]
		if tc.Classname != c.Case || tc.Name != strings.TrimPrefix(c.ID(), c.Case+" ") {
			t.Errorf("testcase %d: %q %q, want cell %q", i, tc.Classname, tc.Name, c.ID())
		}
		if tc.SystemOut == nil || tc.SystemOut.Text != xmlText(cellDescription(c, ev[c.ID()])) {
			t.Errorf("testcase %d: system-out %+v does not read back", i, tc.SystemOut)
		}
	}
	fail := got.Suites[0].Cases[0].Failure
	if fail == nil || !strings.Contains(fail.Message, reporttest.FatalLine) || !strings.Contains(fail.Text, "\ufffd") {
		t.Errorf("failure %+v: want the fatal line in the message, control characters replaced in the text", fail)
	}
	if s := got.Suites[0].Cases[1].Skipped; s == nil || s.Message != reporttest.Formula {
		t.Errorf("skipped %+v, want the reason %q", s, reporttest.Formula)
	}
	checkHostileTests(t, r, got.Suites[1], xmlText)
}

// checkHostileTests checks the testcases of Hostile's test case: one per
// test per cell, its name and output reading back as recorded.
func checkHostileTests(t *testing.T, r *results.Results, s junitSuite, xmlText func(string) string) {
	t.Helper()
	fail, hang := &r.Cells[len(r.Cells)-2], &r.Cells[len(r.Cells)-1]
	if s.Name != reporttest.TestCase || len(s.Cases) != len(fail.Tests)+len(hang.Tests) || s.Failures != 3 || s.Errors != 0 {
		t.Fatalf("test case's suite %+v, want a testcase per test per cell, 2 failures, 1 error", s)
	}
	f, e := s.Cases[1], s.Cases[4]
	if f.Classname != fail.ID() || f.Name != reporttest.TestName || f.Failure == nil || f.Failure.Text != xmlText(reporttest.TestOutput) {
		t.Errorf("failing test's testcase %+v, want %q in %q with its output", f, reporttest.TestName, fail.ID())
	}
	if e.Classname != hang.ID() || e.Name != reporttest.TestName || e.Failure == nil || e.Failure.Text != xmlText(reporttest.TestOutput) {
		t.Errorf("running test's testcase %+v, want an error with its output", e)
	}
}

func TestHostileJSON(t *testing.T) {
	r := reporttest.Hostile()
	out, err := Render("json", r)
	if err != nil {
		t.Fatal(err)
	}
	// JSON is data: encoding/json escapes what JSON must (C0 controls,
	// U+2028, U+2029) and keeps what it may (DEL, C1, bidirectional
	// overrides), so the rendering stays results.json byte for byte. No
	// raw C0 control, and no line a workflow command.
	for i, line := range strings.Split(string(out), "\n") {
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 }) || strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("results.json line %d: %q", i+1, line)
		}
	}
	var back results.Results
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again, err := results.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, out) || back.Cells[0].Stdout.Head != reporttest.Stdout || back.Matrix.Cases[0].Name != reporttest.CaseName {
		t.Errorf("results.json does not read back as written")
	}
}

func TestHostileDiff(t *testing.T) {
	old, new := reporttest.Hostile(), reporttest.Hostile()
	old.Cells[0].Outcome, old.Claims[0].Verdict = results.Complete, results.Holds
	old.Claims[1].ID = "C9 <b>|`x`"
	new.Cells[len(new.Cells)-2].Tests[2].Outcome = results.TestFail           // a test regressed
	new.Cells[len(new.Cells)-1].Tests = new.Cells[len(new.Cells)-1].Tests[:1] // a test removed
	new.Cells = slices.Delete(new.Cells, 4, 5)                                // removed
	new.Cells = append(new.Cells, results.Cell{Case: reporttest.CaseName, Selector: "\x1b[2J|<b>", GODEBUG: "\n::error::added",
		Outcome: "<img src=x>|\r::x"})
	d := Diff(old, new)
	d.OldName, d.NewName = "old`|<b>.json", "new\n::error::name.json"

	var text bytes.Buffer
	if err := DiffText(&text, d); err != nil {
		t.Fatal(err)
	}
	reporttest.CheckLines(t, "diff.txt", text.String(), nil)
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(d.Tests) != 2 {
		t.Errorf("test changes %+v, want the one failing, the one removed", d.Tests)
	}
	if want := 3 + len(d.Moved) + len(d.Changed) + len(d.Added) + len(d.Removed) + len(d.Claims) + len(d.Tests); len(lines) != want {
		t.Errorf("%d lines, want %d (one per change):\n%s", len(lines), want, text.String())
	}
	for _, l := range lines[:len(lines)-1] {
		if !regexp.MustCompile(`^(old:|new:|toolchain|changed|added|removed|test|claim) `).MatchString(l) {
			t.Errorf("line does not start with its kind: %q", l)
		}
	}

	var md bytes.Buffer
	if err := DiffMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	reporttest.CheckMarkdown(t, "diff.md", md.String())
}
