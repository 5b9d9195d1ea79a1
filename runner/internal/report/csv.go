package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// csvColumns are the CSV header: the axes first, then every field a cell
// records, named as in results.json (nested fields joined with "_").
// Columns added later go at the end, always present, so that a consumer
// reading columns by position keeps working.
var csvColumns = []string{
	"case", "selector", "go", "gomaxprocs", "godebug", "goexperiment", "os",
	"outcome", "reason", "runs", "counts", "flaky",
	"exit_code", "signal", "duration_ms", "complete_ms", "timeout_ms", "build_ms",
	"go_line", "runtime_version", "experiments", "variant", "inert", "leftovers", "fatal_line",
	"cached", "claims",
	"stdout_bytes", "stdout_truncated", "stdout_head", "stdout_tail",
	"stderr_bytes", "stderr_truncated", "stderr_head", "stderr_tail",
	"goroutine_dump", "build_output", "reproduce", "inert_error",
	"complete_ms_min", "complete_ms_median", "complete_ms_max", "complete_ms_mad", "self_ms", "timing_error",
	"go_line_axis", "go_mod_adapted",
	"tests_failed", "tests_running", "tests_count",
}

// CSV writes r as CSV (RFC 4180): a header, then one row per cell in the
// order of results.json. Unset axes are empty (gomaxprocs too); absent
// numbers are empty, not 0. counts is "complete=2 hang=1" (majority
// first); inert joins its reasons with "; "; claims lists the claims that
// name the cell, "C2:contradicting C5:excluded"; complete_ms_min … _mad
// summarise the complete_ms of every run (see results.Spread). Output excerpts keep
// their newlines, quoted as CSV quotes them. A field a spreadsheet would
// run as a formula (starting with =, +, -, @, tab or CR) starts with a '
// (see csvField); numbers stay numbers. tests_failed and tests_running
// name a test case's tests that failed and that had not ended, separated
// by spaces, and tests_count counts the tests the cell ran (empty for a
// program).
func CSV(w io.Writer, r *results.Results) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	ev := Evidence(r)
	testCase := isTestCase(r)
	for i := range r.Cells {
		c := &r.Cells[i]
		var claims []string
		for _, ref := range ev[c.ID()] {
			claims = append(claims, ref.Claim.ID+":"+ref.Role)
		}
		row := []string{
			c.Case, c.Selector, c.Go, intOrEmpty(c.GOMAXPROCS), c.GODEBUG, c.GOEXPERIMENT, c.OS,
			c.Outcome, c.Reason, strconv.Itoa(c.Runs), countsText(c, "=", " "), boolText(c.Flaky),
			intPtr(c.ExitCode), c.Signal, floatText(c.DurationMS), floatPtr(c.CompleteMS), strconv.FormatInt(c.TimeoutMS, 10), floatOrEmpty(c.BuildMS),
			c.GoLine, c.RuntimeVersion, c.Experiments, c.Variant, strings.Join(c.Inert, "; "), intOrEmpty(c.Leftovers), c.FatalLine,
			boolText(c.Cached), strings.Join(claims, " "),
		}
		row = append(row, outputFields(c.Stdout)...)
		row = append(row, outputFields(c.Stderr)...)
		row = append(row, c.GoroutineDump, c.BuildOutput, c.Reproduce, c.InertError)
		row = append(row, spreadFields(c)...)
		row = append(row, floatPtr(c.SelfMS), c.TimingError)
		row = append(row, c.GoLineAxis, c.GoModAdapted)
		row = append(row, testFields(c, testCase[c.Case])...)
		for i := range row {
			row[i] = csvField(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func outputFields(o *results.Output) []string {
	if o == nil {
		return []string{"", "", "", ""}
	}
	return []string{strconv.FormatInt(o.Bytes, 10), boolText(o.Truncated), o.Head, o.Tail}
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func intPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func floatText(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func floatOrEmpty(f float64) string {
	if f == 0 {
		return ""
	}
	return floatText(f)
}

func floatPtr(p *float64) string {
	if p == nil {
		return ""
	}
	return floatText(*p)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// spreadFields are the min, median, max and MAD of the complete_ms of a
// cell's runs; empty when none completed.
func spreadFields(c *results.Cell) []string {
	s, ok := results.SpreadOf(c.CompleteTimes())
	if !ok {
		return []string{"", "", "", ""}
	}
	return []string{floatText(s.Min), floatText(s.Median), floatText(s.Max), floatText(s.MAD)}
}

// testFields are the names of the tests of c that failed and that had
// not ended, and how many tests it ran; all empty for a program's cell.
func testFields(c *results.Cell, testCase bool) []string {
	if !testCase {
		return []string{"", "", ""}
	}
	var failed, running []string
	for _, t := range c.Tests {
		switch t.Outcome {
		case results.TestFail:
			failed = append(failed, t.Name)
		case results.TestRunning:
			running = append(running, t.Name)
		}
	}
	return []string{strings.Join(failed, " "), strings.Join(running, " "), strconv.Itoa(len(c.Tests))}
}
