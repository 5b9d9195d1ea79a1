package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// junitOf renders r as JUnit and reads it back, checking that every
// count says what the testcases are.
func junitOf(t *testing.T, r *results.Results) (junitSuites, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	var root [4]int
	for _, s := range got.Suites {
		var n [4]int
		for _, c := range s.Cases {
			n[0]++
			marks := 0
			for i, set := range []bool{c.Failure != nil, c.Error != nil, c.Skipped != nil} {
				if set {
					n[i+1]++
					marks++
				}
			}
			if marks > 1 {
				t.Errorf("testcase %s %s has %d of failure, error and skipped", c.Classname, c.Name, marks)
			}
		}
		if want := [4]int{s.Tests, s.Failures, s.Errors, s.Skipped}; n != want {
			t.Errorf("suite %s says tests, failures, errors, skipped = %v; its testcases are %v", s.Name, want, n)
		}
		for i := range root {
			root[i] += n[i]
		}
	}
	if want := [4]int{got.Tests, got.Failures, got.Errors, got.Skipped}; root != want {
		t.Errorf("testsuites says %v; the testcases are %v", want, root)
	}
	return got, buf.String()
}

// counts is what a JUnit document says of its testcases.
type counts struct{ tests, failures, errors, skipped int }

func (g junitSuites) counts() counts { return counts{g.Tests, g.Failures, g.Errors, g.Skipped} }

func TestJUnitGolden(t *testing.T) {
	r := readFixture(t, "results.json")
	got, out := junitOf(t, r)
	golden.Check(t, "testdata/junit.xml", []byte(out))

	// The fixture: 10 cells (3 hang, 1 fail, 1 build-error, 2 skip, 3
	// complete) and 4 claims (holds, 2 partly, unstable).
	want := counts{tests: 10 + 4, failures: 3 + 1 + 2, errors: 1, skipped: 2 + 1}
	if got.counts() != want {
		t.Errorf("counts %+v, want %+v", got.counts(), want)
	}
	if last := got.Suites[len(got.Suites)-1]; last.Name != "claims" || last.Tests != len(r.Claims) {
		t.Errorf("last suite %s with %d tests, want claims with %d", last.Name, last.Tests, len(r.Claims))
	}
}

// cell returns a cell of case name with outcome, run once for ms.
func cell(name string, procs int, outcome string) results.Cell {
	return results.Cell{Case: name, Selector: "local", Go: "go1.26.8", GOMAXPROCS: procs, Outcome: outcome, Runs: 1, DurationMS: 10, TimeoutMS: 2000, Reason: outcome + " reason"}
}

// Outcomes and verdicts count as go test users read them: fail and hang
// are failures, build-error an error, skip skipped, complete passes; a
// claim refuted or partly a failure, untested skipped.
func TestJUnitCounts(t *testing.T) {
	many := func(n int, outcome string) []results.Cell {
		var out []results.Cell
		for i := range n {
			out = append(out, cell("prog", i+1, outcome))
		}
		return out
	}
	claims := func(verdicts ...string) []results.Claim {
		var out []results.Claim
		for i, v := range verdicts {
			out = append(out, results.Claim{ID: fmt.Sprintf("C%d", i+1), Claim: "a claim", Verdict: v, Summary: v + " on go1.26.8"})
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		cells  []results.Cell
		claims []results.Claim
		want   counts
	}{
		{"8 fail, 1 hang", append(many(8, results.Fail), cell("prog", 9, results.Hang)), nil, counts{9, 9, 0, 0}},
		{"complete passes", many(3, results.Complete), nil, counts{3, 0, 0, 0}},
		{"build-error is an error", append(many(2, results.BuildError), cell("prog", 3, results.Fail)), nil, counts{3, 1, 2, 0}},
		{"skip is skipped", append(many(2, results.Skip), cell("prog", 3, results.Complete)), nil, counts{3, 0, 0, 2}},
		{"claims", many(1, results.Complete), claims(results.Holds, results.Refuted, results.Partly, results.Untested, results.Flaky, results.Unstable), counts{7, 2, 0, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &results.Results{Matrix: results.Matrix{File: "m.yaml"}, Cells: tt.cells, Claims: tt.claims, Complete: true}
			got, _ := junitOf(t, r)
			if got.counts() != tt.want {
				t.Errorf("counts %+v, want %+v", got.counts(), tt.want)
			}
			if s := got.Suites[0]; s.Name != "prog" || s.Tests != len(tt.cells) {
				t.Errorf("first suite %s with %d tests, want prog with %d", s.Name, s.Tests, len(tt.cells))
			}
		})
	}
}

// A test case's cell is a testcase per test: a test running when the cell
// hung is a failure that says so, as go test's "panic: test timed out";
// a cell that failed with no test failing keeps a testcase of its own.
func TestJUnitTests(t *testing.T) {
	hung := cell("pkg", 1, results.Hang)
	hung.Tests = []results.Test{{Name: "TestOK", Outcome: results.TestPass}, {Name: "TestWait", Outcome: results.TestRunning, Output: "waiting"}}
	exited := cell("pkg", 2, results.Fail)
	exited.Tests = []results.Test{{Name: "TestOK", Outcome: results.TestPass}, {Name: "TestSkip", Outcome: results.TestSkip, Output: "x_test.go:9: not here"}}
	r := &results.Results{Matrix: results.Matrix{Cases: []results.Case{{Name: "pkg", Kind: "test"}}}, Cells: []results.Cell{hung, exited}, Complete: true}
	got, _ := junitOf(t, r)
	if want := (counts{tests: 5, failures: 2, skipped: 1}); got.counts() != want {
		t.Fatalf("counts %+v, want %+v", got.counts(), want)
	}
	cases := got.Suites[0].Cases
	if f := cases[1].Failure; cases[1].Name != "TestWait" || f == nil || f.Message != "test timed out after 2s: TestWait was running" || f.Text != "waiting" {
		t.Errorf("running test: %s %+v", cases[1].Name, f)
	}
	if f := cases[2].Failure; cases[2].Classname != "pkg" || f == nil || f.Type != results.Fail || !strings.Contains(f.Message, "fail reason") {
		t.Errorf("the failed cell with no failing test: %s %s %+v", cases[2].Classname, cases[2].Name, f)
	}
}
