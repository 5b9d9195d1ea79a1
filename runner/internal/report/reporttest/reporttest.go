// Package reporttest is test support for the renderers of results
// (package report) and of a run's progress (package progress): a results
// fixture whose every text field is hostile, one with a go_line axis, one
// with a test case, and checks that what a renderer wrote lets none of
// it through.
package reporttest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// The payloads of Hostile, for tests to look for.
const (
	// CaseName is the case's name; its directory is "cases/" + CaseName.
	CaseName = "<img src=x onerror=alert(1)>|x"
	// Formula is a cell's reason, and so a CSV field.
	Formula = `=HYPERLINK("http://evil")`
	// FatalLine is the failing cell's fatal line.
	FatalLine = "::error::pwned%0A"
	// Stdout is what the failing cell printed: colour, NUL and other
	// control bytes, a bidirectional override, a line separator, and
	// lines that are workflow commands.
	Stdout = "\x1b[31mred\x1b[0m\x00\x01\x7f\u202eevil\u2028::stop-commands::tok\n::add-mask::secret\n"
	// TestCase is the name of Hostile's test case (kind: test).
	TestCase = "t`<b>|x"
	// TestName is a test of TestCase that fails in one cell and does not
	// end in another; TestOutput is what it printed. TestFormula is a
	// test that fails first, so a CSV list of failing tests starts with it.
	TestName    = "TestX/<img src=x onerror=alert(1)>|`[a](javascript:x)`$y$~_*"
	TestOutput  = "\x1b[31m</script><script>alert(5)</script>\x00\n::error::test\n    [x](y) | $z$ \u202eevil\u2028\n</details>\n# head\n<!--\n- item\n"
	TestFormula = `=cmd|' /C calc'!A0`
)

// Hostile returns results whose every text field — case name,
// directory and description, claims, reasons, fatal lines, output,
// goroutine dumps, build output, reproduce commands, selectors, GODEBUG,
// GOEXPERIMENT and go line values, go.mod adaptations, module versions,
// toolchain errors, host, the names and output of a test case's tests —
// holds markup,
// Markdown link and image syntax, table pipes, backticks, control
// characters or GitHub workflow commands. Each call returns a new copy.
func Hostile() *results.Results {
	godebug, goexp := "x=`1`<b>|2", "a,b:c%0A"
	ms, exit2, exitKilled := 3.0, 2, -1
	cells := []results.Cell{
		{Case: CaseName, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, GODEBUG: godebug, GOEXPERIMENT: goexp, GoLine: "1.26",
			GoLineAxis: "1.2`6`<b>|x", GoModAdapted: "toolchain line removed; ::error::mod <i>[x](y)|",
			Outcome: results.Fail, Reason: "exit status 2: " + FatalLine + "\r::add-mask::secret", Runs: 1, ExitCode: &exit2,
			DurationMS: 12, TimeoutMS: 1000, FatalLine: FatalLine,
			Stdout:        &results.Output{Head: Stdout, Bytes: int64(len(Stdout))},
			Stderr:        &results.Output{Head: FatalLine + "\n", Tail: "]]> <![CDATA[ & \x0b\x0c\ufffe tail\r\n", Bytes: 100000, Truncated: true},
			GoroutineDump: "goroutine 1 [running]:\n</script><script>alert(3)</script>\x00\n",
			Inert:         []string{"GOEXPERIMENT=" + goexp + " is inert: ::warning::w <i>"},
			InertError:    "settings check: <b>[x](y)\n::error::inert",
			Reproduce:     "cd 'cases/" + CaseName + "' && GODEBUG='" + godebug + "' go run . # $(rm -rf ~)",
			Experiments:   "[x](javascript:alert(1))", RuntimeVersion: "go1.26.8"},
		{Case: CaseName, Selector: "`1.13`|<b>", GOMAXPROCS: 1, Outcome: results.Skip, Reason: Formula},
		{Case: CaseName, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 2, GODEBUG: godebug, Outcome: results.BuildError,
			Reason: "build: ./main.go:1:1: <b>\n::error file=main.go::x", BuildOutput: "# cases/x\n::error::build\n<script>alert(4)</script>\n"},
		{Case: CaseName, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 2, Outcome: results.Fail, Reason: "-1 @SUM(1+1)", Runs: 1,
			ExitCode: &exitKilled, Signal: "+killed", DurationMS: 5, TimeoutMS: 1000},
		{Case: CaseName, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, OS: "darwin<b>|x", Outcome: results.Complete, Runs: 1,
			DurationMS: 3.5, CompleteMS: &ms, TimeoutMS: 1000, Stdout: &results.Output{Head: "ok\n", Bytes: 3},
			Fragile: "completed after 90% of its timeout ![x](http://evil/x.png)"},
	}
	cells = append(cells, hostileTestCells(godebug)...)
	id := func(i int) string { return cells[i].ID() }
	return &results.Results{
		Schema:   results.SchemaVersion,
		Runner:   "0.1.0 <i>|",
		Started:  time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 26, 12, 1, 0, 0, time.UTC),
		Complete: true,
		Host:     results.Host{GOOS: "linux<b>", GOARCH: "amd64|x", CPUs: 2},
		Matrix: results.Matrix{
			File: "m`x`<b>.yaml", Versions: []string{"local", "`1.13`|<b>"},
			GOMAXPROCS: []int{1, 2}, GODEBUG: []string{"", godebug}, GOEXPERIMENT: []string{"", goexp},
			Cases: []results.Case{{Name: CaseName, Dir: "cases/" + CaseName, CompleteOn: "^`ok`$", Go: ">=1.13 <b>",
				Module: "example.com/`m`<b>@v1.0.0|x", Package: "./[p](javascript:x)",
				Description: "</script><script>alert(1)</script>\n| a | b |\n::error::desc"},
				{Name: TestCase, Dir: "cases/" + TestCase, CompleteOn: "exit", Kind: "test"}},
			Filter: []string{"case=<b>"},
		},
		Toolchains: []toolchain.Toolchain{
			{Selector: "local", Version: "go1.26.8", Source: "path <i>|"},
			{Selector: "`1.13`|<b>", Error: "fetch failed: \x1b[2J<script>\n::error::pwned"},
		},
		Claims: []results.Claim{
			{ID: "C1<i>|`", Claim: "[link](javascript:alert(1)) and ![x](http://evil/x.png) <img src=x onerror=alert(2)>\n# heading",
				Source: "http://evil `src` | x", Cells: "case=`<img>` version=*", Expect: "complete <b>", Verdict: results.Refuted,
				Summary:       "::add-mask::secret | *bold* $x$",
				Holding:       []string{id(4) + ": complete in 3.0 ms"},
				Contradicting: []string{id(0) + ": fail " + FatalLine},
				Excluded:      []string{id(1) + ": skip: " + Formula}},
			{ID: "- 1. x", Claim: "- list\n1. item", Cells: "case=x|y", Expect: "hang", Verdict: "<b>odd</b>", Summary: "---"},
		},
		Cells: cells,
	}
}

// hostileTestCells are the cells of Hostile's test case: one where
// TestFormula and TestName fail, one that hangs in TestName.
func hostileTestCells(godebug string) []results.Cell {
	return []results.Cell{
		{Case: TestCase, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, GODEBUG: godebug, Outcome: results.Fail,
			Reason: "2 tests failed: " + TestFormula + ", " + TestName, Runs: 1, DurationMS: 20, TimeoutMS: 1000,
			Tests: []results.Test{
				{Name: TestFormula, Outcome: results.TestFail, ElapsedMS: 1, Output: "@SUM(1+1)\n"},
				{Name: TestName, Outcome: results.TestFail, ElapsedMS: 3, Output: TestOutput},
				{Name: "TestOK", Outcome: results.TestPass},
			}},
		{Case: TestCase, Selector: "local", Go: "go1.26.8", GOMAXPROCS: 2, GODEBUG: godebug, Outcome: results.Hang,
			Reason: "timeout while running " + TestName, Runs: 1, DurationMS: 1000, TimeoutMS: 1000,
			Tests: []results.Test{
				{Name: TestFormula, Outcome: results.TestPass, ElapsedMS: 2},
				{Name: TestName, Outcome: results.TestRunning, Output: TestOutput},
			}},
	}
}

// GoLine returns results of a matrix with a go_line axis: a module case
// under two toolchains and two go lines, the axis's own order
// (toolchain, then 1.21) differing from the cells' (as in results merged
// from shards), one cell with its go.mod adapted for an old toolchain,
// one skipped as its go line is newer than its toolchain, and a claim
// on a go line. Each call returns a new copy.
func GoLine() *results.Results {
	ms, exit1 := 4.0, 1
	cell := func(sel, goV, axis, line, outcome string) results.Cell {
		return results.Cell{Case: "errgroup", Selector: sel, Go: goV, GOMAXPROCS: 1, GoLine: line, GoLineAxis: axis,
			Outcome: outcome, Runs: 1, DurationMS: 5, TimeoutMS: 1000}
	}
	cells := []results.Cell{
		cell("1.22", "go1.22.12", "1.21", "1.21", results.Fail),
		cell("1.22", "go1.22.12", "toolchain", "1.22", results.Complete),
		cell("1.20", "go1.20.14", "toolchain", "1.20", results.Fail),
		cell("1.20", "go1.20.14", "1.21", "", results.Skip),
	}
	for _, i := range []int{0, 2} {
		cells[i].ExitCode, cells[i].Reason = &exit1, "exit status 1"
	}
	cells[1].CompleteMS = &ms
	cells[2].GoModAdapted = "toolchain line removed"
	cells[3].Runs, cells[3].DurationMS, cells[3].TimeoutMS, cells[3].Reason = 0, 0, 0, "go line 1.21 is newer than go1.20.14"
	return &results.Results{
		Schema: results.SchemaVersion, Runner: "0.1.0", Complete: true,
		Started: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Finished: time.Date(2026, 11, 26, 12, 0, 5, 0, time.UTC),
		Host: results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2},
		Matrix: results.Matrix{File: "goline.yaml", Versions: []string{"1.22", "1.20"},
			GOMAXPROCS: []int{1}, GODEBUG: []string{""}, GOEXPERIMENT: []string{""}, GoLine: []string{"toolchain", "1.21"},
			Cases: []results.Case{{Name: "errgroup", Dir: "cases/errgroup", CompleteOn: "exit",
				Module: "golang.org/x/sync@v0.10.0", Package: "./errgroup", Description: "goroutines capture the loop variable"}},
			Timeout: "1s", BuildTimeout: "10m0s", Repeat: 1},
		Toolchains: []toolchain.Toolchain{{Selector: "1.22", Version: "go1.22.12", Source: "proxy"}, {Selector: "1.20", Version: "go1.20.14", Source: "proxy"}},
		Claims: []results.Claim{{ID: "C1", Claim: "Before go line 1.22 the goroutines share the loop variable", Cells: "case=errgroup go_line=1.21",
			Expect: results.Fail, Verdict: results.Holds, Summary: "holds on go1.22.12 (1 of 1 cells as expected)",
			Holding:  []string{cells[0].ID() + ": fail exit status 1"},
			Excluded: []string{cells[3].ID() + ": skip: go line 1.21 is newer than go1.20.14"}}},
		Cells: cells,
	}
}

// CheckLines fails t if any line of out (ending at LF or CR, as the
// GitHub Actions runner reads lines) carries a control character other
// than tab, invalid UTF-8, a bidirectional override or a line separator,
// or would be read as a workflow command — "::" or "##[" after leading
// white space — unless own matches it (the renderer's own commands; nil
// allows none).
func CheckLines(t testing.TB, name, out string, own *regexp.Regexp) {
	t.Helper()
	lines := strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' })
	for i, line := range lines {
		if !utf8.ValidString(line) {
			t.Errorf("%s: line %d is not UTF-8: %q", name, i+1, line)
		}
		if j := strings.IndexFunc(line, func(r rune) bool {
			return r != '\t' && unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
		}); j >= 0 {
			t.Errorf("%s: line %d carries %U unescaped: %q", name, i+1, []rune(line[j:])[0], line)
		}
		rest := strings.TrimLeftFunc(line, unicode.IsSpace)
		if (strings.HasPrefix(rest, "::") || strings.HasPrefix(rest, "##[")) && (own == nil || !own.MatchString(line)) {
			t.Errorf("%s: line %d would be read as a workflow command: %q", name, i+1, line)
		}
	}
}

// ownHTML are the HTML tags the Markdown renderers write themselves.
var ownHTML = regexp.MustCompile(`</?(?:details|summary|sub)>`)

// CheckMarkdown fails t if md, rendered as GitHub renders Markdown, could
// show anything but text: outside code spans, no "<" but the renderers'
// own <details>, <summary> and <sub>, no unescaped "[", "]" (links,
// images) or "$" (math) but the "[!WARNING]" of a cut summary; every row
// of a table has as many cells as its header, counting the pipes GitHub
// splits rows at (any not escaped, even in code); and CheckLines.
func CheckMarkdown(t testing.TB, name, md string) {
	t.Helper()
	CheckLines(t, name, md, nil)
	cols := -1 // the cells of the table being read; -1: not in a table
	for i, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "|") {
			n := len(unescaped(line, "|")) - 1
			if cols < 0 {
				cols = n
			} else if n != cols {
				t.Errorf("%s: line %d has %d cells, its table %d: %q", name, i+1, n, cols, line)
			}
		} else {
			cols = -1
		}
		text := strings.Replace(withoutCode(line), "> [!WARNING]", ">", 1)
		if html := ownHTML.ReplaceAllString(text, ""); strings.Contains(html, "<") {
			t.Errorf("%s: line %d has markup outside code: %q", name, i+1, line)
		}
		if bad := unescaped(text, "[]$"); len(bad) > 0 {
			t.Errorf("%s: line %d has %q unescaped outside code: %q", name, i+1, text[bad[0]], line)
		}
	}
}

// unescaped returns the positions in line of the bytes of set that no
// backslash escapes.
func unescaped(line, set string) []int {
	var at []int
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\':
			i++
		case strings.IndexByte(set, line[i]) >= 0:
			at = append(at, i)
		}
	}
	return at
}

// withoutCode returns line without its code spans: a run of backticks
// that no backslash escapes, up to the next run of the same length.
func withoutCode(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		switch line[i] {
		case '\\':
			b.WriteString(line[i:min(i+2, len(line))])
			i += 2
			continue
		case '`':
			n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
			if end := closingRun(line[i+n:], n); end >= 0 {
				i += n + end + n
				continue
			}
			b.WriteString(line[i : i+n]) // no closing run: literal backticks
			i += n
			continue
		}
		b.WriteByte(line[i])
		i++
	}
	return b.String()
}

// closingRun returns where in s a run of exactly n backticks starts, or -1.
func closingRun(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		m := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

// Tests returns results of a matrix with a test case (kind: test),
// "parse", over three toolchains × two GOMAXPROCS, beside a program case:
// six tests pass in every cell that ran tests (one of them a subtest),
// TestWindows skips in every one, TestRace/parallel (and so TestRace)
// fails only on go1.22.12 with GOMAXPROCS=1, TestWait is still running
// when go1.26.8 with GOMAXPROCS=2 hangs (so TestZone, after it, did not
// run there), and go1.20.14 with GOMAXPROCS=2 is "skip: no tests to run".
// Each call returns a new copy.
func Tests() *results.Results {
	cells := []results.Cell{
		testCell("1.20", "go1.20.14", 1, results.Complete, ""),
		testCell("1.20", "go1.20.14", 2, results.Skip, "no tests to run"),
		testCell("1.22", "go1.22.12", 1, results.Fail, "1 test failed: TestRace/parallel"),
		testCell("1.22", "go1.22.12", 2, results.Complete, ""),
		testCell("local", "go1.26.8", 1, results.Complete, ""),
		testCell("local", "go1.26.8", 2, results.Hang, "timeout while running TestWait"),
	}
	cells[1].Tests = nil
	setTest(&cells[2], "TestRace", results.TestFail, "")
	setTest(&cells[2], "TestRace/parallel", results.TestFail, "    race_test.go:31: counter = 1999, want 2000\n    race_test.go:32: lost an increment")
	cells[5].Tests = cells[5].Tests[:len(cells[5].Tests)-1] // TestZone never started
	setTest(&cells[5], "TestWait", results.TestRunning, "    wait_test.go:20: waiting for the ticker")
	cells[5].Tests[len(cells[5].Tests)-1].ElapsedMS = 0
	for _, p := range []int{1, 2} {
		ms := 2.5
		cells = append(cells, results.Cell{Case: "spin", Selector: "local", Go: "go1.26.8", GOMAXPROCS: p,
			Outcome: results.Complete, Runs: 1, DurationMS: 3, CompleteMS: &ms, TimeoutMS: 1000})
	}
	return &results.Results{
		Schema: results.SchemaVersion, Runner: "0.1.0", Complete: true,
		Started: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Finished: time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC),
		Host: results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2},
		Matrix: results.Matrix{File: "tests.yaml", Versions: []string{"1.20", "1.22", "local"},
			GOMAXPROCS: []int{1, 2}, GODEBUG: []string{""}, GOEXPERIMENT: []string{""},
			Cases: []results.Case{
				{Name: "parse", Dir: "cases/parse", CompleteOn: "exit", Kind: "test", Description: "the parser's tests"},
				{Name: "spin", Dir: "cases/spin", CompleteOn: "exit"}},
			Timeout: "10s", BuildTimeout: "10m0s", Repeat: 1},
		Toolchains: []toolchain.Toolchain{{Selector: "1.20", Version: "go1.20.14", Source: "proxy"},
			{Selector: "1.22", Version: "go1.22.12", Source: "proxy"}, {Selector: "local", Version: "go1.26.8", Source: "path"}},
		Cells: cells,
	}
}

// testCell is a cell of Tests' test case in which every test passed but
// TestWindows, which skipped.
func testCell(sel, goV string, p int, outcome, reason string) results.Cell {
	c := results.Cell{Case: "parse", Selector: sel, Go: goV, GOMAXPROCS: p, Outcome: outcome, Reason: reason,
		Runs: 1, DurationMS: 40, TimeoutMS: 10000, BuildMS: 900,
		Reproduce: "cd cases/parse && go test -c -o parse.test && GOMAXPROCS=" + strconv.Itoa(p) + " ./parse.test -test.v"}
	if outcome == results.Complete {
		ms := 38.0
		c.CompleteMS = &ms
	}
	if outcome == results.Hang {
		c.DurationMS = 10000
	}
	for i, name := range []string{"TestParse", "TestParse/empty", "TestParse/unicode", "TestFormat", "TestRound", "TestEscape",
		"TestWindows", "TestRace", "TestRace/parallel", "TestWait", "TestZone"} {
		c.Tests = append(c.Tests, results.Test{Name: name, Outcome: results.TestPass, ElapsedMS: float64(i + 1)})
	}
	setTest(&c, "TestWindows", results.TestSkip, "    windows_test.go:9: only on windows")
	return c
}

// setTest sets the outcome and output of c's test called name.
func setTest(c *results.Cell, name, outcome, output string) {
	for i := range c.Tests {
		if c.Tests[i].Name == name {
			c.Tests[i].Outcome, c.Tests[i].Output = outcome, output
		}
	}
}
