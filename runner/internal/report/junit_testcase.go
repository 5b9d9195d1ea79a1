package report

import (
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// junitTestCases are the testcases of a cell of a test case: one per
// test, named by the test and classed by the cell's ID (so the same test
// in different cells stays distinct), as junitTestCase says. A cell that
// ran no tests is one testcase, as a program's cell is; so is a cell
// that failed or hung with no test failing (TestMain, a panic between
// tests, a hang before the first test), beside its tests', so that its
// failure is not lost.
func junitTestCases(c *results.Cell, refs []ClaimRef) []junitCase {
	if len(c.Tests) == 0 {
		return []junitCase{junitCaseOf(c, refs)}
	}
	var out []junitCase
	failed := false
	for i := range c.Tests {
		tc := junitTestCase(c, &c.Tests[i])
		failed = failed || tc.Failure != nil
		out = append(out, tc)
	}
	if !failed && (c.Outcome == results.Fail || c.Outcome == results.Hang) {
		out = append([]junitCase{junitCaseOf(c, refs)}, out...)
	}
	return out
}

// junitTestCase is the testcase of test t in cell c, as go test reports
// it: a failure for a test that failed, and for one that had not ended
// (the cell hung in it, "test timed out", or the test binary exited in
// it), skipped for a skip — each with the test's output.
func junitTestCase(c *results.Cell, t *results.Test) junitCase {
	tc := junitCase{Classname: c.ID(), Name: t.Name, Time: seconds(t.ElapsedMS)}
	out := xmlSafe(t.Output)
	switch t.Outcome {
	case results.TestFail:
		tc.Failure = &junitFailure{Message: orWord(lastLine(t.Output), "failed"), Type: "fail", Text: out}
	case results.TestRunning:
		msg := "did not end: the test binary exited in it"
		if c.Outcome == results.Hang {
			msg = "test " + timedOut(c) + ": " + t.Name + " was running"
		}
		tc.Failure = &junitFailure{Message: msg, Type: "running", Text: out}
	case results.TestSkip:
		tc.Skipped = &junitSkipped{Message: lastLine(t.Output)}
	default:
		tc.SystemOut = newJUnitText(t.Output)
	}
	return tc
}

// lastLine is the last non-blank line of s, trimmed: a test's output ends
// with what made it fail or skip.
func lastLine(s string) string {
	tail := outputTail(s, 1, 1000)
	if len(tail) == 0 {
		return ""
	}
	return strings.TrimSpace(tail[0])
}
