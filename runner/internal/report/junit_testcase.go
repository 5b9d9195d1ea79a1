package report

import (
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// junitTestCases are the testcases of a cell of a test case: one per
// test, named by the test and classed by the cell's ID (so the same test
// in different cells stays distinct) — a failure for a test that failed,
// an error for one that had not ended (the cell hung, or the test binary
// exited in it), skipped for a skip — each with the test's output. A
// cell that ran no tests is one testcase, as a program's cell is, but a
// failure when it did not build and an error when it failed or hung
// before any test started. A cell that contradicts a claim keeps its
// own testcase beside its tests', so the claim's failure is not lost.
func junitTestCases(c *results.Cell, refs []ClaimRef) []junitCase {
	if len(c.Tests) == 0 {
		return []junitCase{junitNoTests(c, refs)}
	}
	var out []junitCase
	if tc := junitCaseOf(c, refs); tc.Failure != nil {
		out = append(out, tc)
	}
	for i := range c.Tests {
		out = append(out, junitTestCase(c, &c.Tests[i]))
	}
	return out
}

// junitTestCase is the testcase of test t in cell c.
func junitTestCase(c *results.Cell, t *results.Test) junitCase {
	tc := junitCase{Classname: c.ID(), Name: t.Name, Time: seconds(t.ElapsedMS)}
	out := xmlSafe(t.Output)
	switch t.Outcome {
	case results.TestFail:
		tc.Failure = &junitFailure{Message: orWord(lastLine(t.Output), "failed"), Type: "fail", Text: out}
	case results.TestRunning:
		msg := "did not end: the test binary exited in it"
		if c.Outcome == results.Hang {
			msg = "still running at the timeout: the cell hung in it"
		}
		tc.Error = &junitFailure{Message: msg, Type: "running", Text: out}
	case results.TestSkip:
		tc.Skipped = &junitSkipped{Message: lastLine(t.Output)}
	default:
		tc.SystemOut = newJUnitText(t.Output)
	}
	return tc
}

// junitNoTests is the testcase of a cell of a test case that ran no
// tests: as a program's cell, but a build error fails, and a fail or a
// hang with no test to pin it on is an error.
func junitNoTests(c *results.Cell, refs []ClaimRef) junitCase {
	tc := junitCaseOf(c, refs)
	if tc.Failure != nil {
		return tc
	}
	switch c.Outcome {
	case results.BuildError:
		tc.Failure = &junitFailure{Message: firstLine(c.Reason), Type: c.Outcome, Text: xmlSafe(c.BuildOutput)}
	case results.Fail, results.Hang:
		tc.Error = &junitFailure{Message: firstLine(c.Reason), Type: c.Outcome, Text: xmlSafe(c.Reason)}
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
