package claim

import (
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func cell(c, v string, p int, d, e, outcome string, ms float64) results.Cell {
	r := results.Cell{Case: c, Selector: v, Go: v, GOMAXPROCS: p, GODEBUG: d, GOEXPERIMENT: e, Outcome: outcome, Runs: 1}
	if outcome == results.Complete {
		r.CompleteMS = &ms
	}
	return r
}

func TestEvaluate(t *testing.T) {
	inert := cell("busy", "go1.13.15", 1, "", "preemptibleloops", results.Hang, 0)
	inert.Inert = []string{"GOEXPERIMENT=preemptibleloops is inert: go1.13.15 reads GOEXPERIMENT only when ..."}
	flaky := cell("busy", "go1.20.14", 1, "asyncpreemptoff=1", "", results.Hang, 0)
	flaky.Runs, flaky.Counts, flaky.Flaky = 5, map[string]int{"hang": 3, "complete": 2}, true
	cells := []results.Cell{
		cell("busy", "go1.13.15", 1, "", "", results.Hang, 0),
		cell("busy", "go1.14.15", 1, "", "", results.Complete, 12),
		cell("busy", "go1.16.15", 1, "", "", results.Complete, 11),
		cell("busy", "go1.26.8", 1, "", "", results.Complete, 40),
		cell("busy", "go1.14.15", 1, "asyncpreemptoff=1", "", results.Hang, 0),
		cell("busy", "go1.16.15", 1, "asyncpreemptoff=1", "", results.Complete, 5),
		cell("busy", "go1.26.8", 1, "asyncpreemptoff=1", "", results.Hang, 0),
		cell("busy", "go1.26.8", 2, "", "", results.Complete, 1),
		inert,
		cell("busy", "go1.26.8", 1, "", "preemptibleloops", results.Complete, 13),
		flaky,
		{Case: "busy", Selector: "1.99", GOMAXPROCS: 1, Outcome: results.Skip, Reason: "toolchain unavailable"},
		{Case: "busy", Selector: "1.17", Go: "go1.17.13", GOMAXPROCS: 1, GOEXPERIMENT: "preemptibleloops", Outcome: results.BuildError, Reason: "internal compiler error: boom"},
		{Case: "busy", Selector: "1.17", Go: "go1.17.13", GOMAXPROCS: 2, GOEXPERIMENT: "preemptibleloops", Outcome: results.BuildError, Reason: "internal compiler error: boom"},
	}
	tests := []struct {
		claim   matrix.Claim
		verdict string
		summary string
	}{
		{matrix.Claim{ID: "C1", Cells: matrix.Match{"case": "busy", "version": ">=1.14", "gomaxprocs": "1", "godebug": "", "goexperiment": ""}, Expect: matrix.Expect{Outcome: "complete"}},
			results.Holds, "holds on go1.14.15–go1.26.8 (3 of 3 cells as expected)"},
		{matrix.Claim{ID: "C2", Cells: matrix.Match{"case": "busy", "version": "<1.14", "gomaxprocs": "1", "goexperiment": ""}, Expect: matrix.Expect{Outcome: "hang"}},
			results.Holds, "holds on go1.13.15"},
		{matrix.Claim{ID: "C3", Cells: matrix.Match{"case": "busy", "version": ">=1.14 <1.20", "godebug": "asyncpreemptoff=1"}, Expect: matrix.Expect{Outcome: "hang"}},
			results.Partly, "holds on go1.14.15; contradicted on go1.16.15"},
		// The experiment does not build on go1.17: that contradicts a claim about it.
		{matrix.Claim{ID: "C5", Cells: matrix.Match{"case": "busy", "goexperiment": "preemptibleloops"}, Expect: matrix.Expect{Outcome: "complete"}},
			results.Partly, "holds on go1.26.8; contradicted on go1.17.13 (1 of 3 cells as expected; 1 excluded: inert: GOEXPERIMENT=preemptibleloops"},
		// A claim that does not name the experiment is not about it.
		{matrix.Claim{ID: "C5b", Cells: matrix.Match{"case": "busy", "gomaxprocs": "2"}, Expect: matrix.Expect{Outcome: "complete"}},
			results.Holds, "1 excluded: did not build"},
		{matrix.Claim{ID: "C6", Cells: matrix.Match{"case": "busy", "gomaxprocs": "1", "godebug": "", "goexperiment": "", "version": ">=1.14"}, Expect: matrix.Expect{Outcome: "complete", CompleteMS: &matrix.Range{Min: 9, Max: 25}}},
			results.Partly, "contradicted on go1.26.8"},
		{matrix.Claim{ID: "C7", Cells: matrix.Match{"case": "busy", "version": "go1.16.15"}, Expect: matrix.Expect{SameAs: "1.14"}},
			results.Partly, "holds for some of its cells only on go1.16.15"},
		{matrix.Claim{ID: "never", Cells: matrix.Match{"case": "busy", "version": "<1.14", "gomaxprocs": "1", "goexperiment": ""}, Expect: matrix.Expect{Outcome: "complete"}},
			results.Refuted, "contradicted on go1.13.15"},
		{matrix.Claim{ID: "flaky", Cells: matrix.Match{"case": "busy", "godebug": "asyncpreemptoff=1"}, Expect: matrix.Expect{Outcome: "hang"}},
			results.Flaky, "1 of 4 cells gave different outcomes"},
		{matrix.Claim{ID: "none", Cells: matrix.Match{"case": "nosuch"}, Expect: matrix.Expect{Outcome: "hang"}},
			results.Untested, "matches no cell"},
		{matrix.Claim{ID: "skipped", Cells: matrix.Match{"version": "1.99"}, Expect: matrix.Expect{Outcome: "hang"}},
			results.Untested, "all 1 selected cells were excluded (skipped: toolchain unavailable)"},
	}
	for _, tt := range tests {
		got := Evaluate([]matrix.Claim{tt.claim}, cells)[0]
		if got.Verdict != tt.verdict || !strings.Contains(got.Summary, tt.summary) {
			t.Errorf("%s: %s: %s\nwant %s: …%s…\nholding %q\ncontradicting %q\nexcluded %q", tt.claim.ID, got.Verdict, got.Summary, tt.verdict, tt.summary, got.Holding, got.Contradicting, got.Excluded)
		}
	}
}

func TestSpans(t *testing.T) {
	all := []string{"a", "b", "c", "d", "e"}
	if got := spans([]string{"a", "b", "c", "e"}, all); got != "a–c, e" {
		t.Errorf("spans = %q", got)
	}
	if got := spans([]string{"b", "d", "e"}, all); got != "b, d, e" {
		t.Errorf("spans = %q", got)
	}
}

// timed is a complete cell whose runs completed after ms each.
func timed(v string, ms ...float64) results.Cell {
	c := cell("sysmon", v, 1, "", "", results.Complete, 0)
	c.Runs, c.Counts = len(ms), map[string]int{results.Complete: len(ms)}
	for _, x := range ms {
		c.Timings = append(c.Timings, results.Timing{Outcome: results.Complete, CompleteMS: &x})
	}
	s, _ := results.SpreadOf(ms)
	c.CompleteMS = &s.Median
	return c
}

// A timing bound holds for every run by default: a cell whose runs lie
// on both sides of it is unstable, never a plain "holds"; with of: median
// the median decides and the runs outside are listed.
func TestTimingBounds(t *testing.T) {
	cells := []results.Cell{timed("go1.14.15", 12, 11, 13), timed("go1.15.15", 12, 8.6, 14), timed("go1.16.15", 30, 31, 29)}
	for _, tt := range []struct {
		of, only, verdict string
		evidence          string
	}{
		{matrix.OfEvery, "go1.14.15", results.Holds, "complete in 12.0 ms (11.0–13.0, ±1.0, 3 runs) (3/3)"},
		{matrix.OfEvery, "go1.15.15", results.Unstable, "outside the range: run 2 (8.6 ms)"},
		{matrix.OfMedian, "go1.15.15", results.Holds, "outside the range: run 2 (8.6 ms)"},
		{matrix.OfEvery, "go1.16.15", results.Refuted, "outside the range: run 1 (30.0 ms), run 2 (31.0 ms), run 3 (29.0 ms)"},
		{matrix.OfEvery, "", results.Unstable, "the runs of 1 of 3 cells disagree on the timing bound"},
	} {
		cl := matrix.Claim{ID: "C6", Cells: matrix.Match{"case": "sysmon"},
			Expect: matrix.Expect{Outcome: results.Complete, CompleteMS: &matrix.Range{Min: 10, Max: 25, Of: tt.of}}}
		if tt.only != "" {
			cl.Cells["version"] = tt.only
		}
		r := Evaluate([]matrix.Claim{cl}, cells)[0]
		all := strings.Join(append(append(append([]string{r.Summary}, r.Holding...), r.Contradicting...), r.Unstable...), "\n")
		if r.Verdict != tt.verdict || !strings.Contains(all, tt.evidence) {
			t.Errorf("of %s on %q: %s\n%s\nwant %s and %q", tt.of, tt.only, r.Verdict, all, tt.verdict, tt.evidence)
		}
	}
}

// A rerun of the same inputs that gives another verdict makes the claim
// unstable, naming both; a run of other inputs is not compared.
func TestAgainstPrevious(t *testing.T) {
	run := func(hash, verdict string) *results.Results {
		return &results.Results{Complete: true, MatrixHash: hash, Host: results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2},
			Claims: []results.Claim{{ID: "C6", Verdict: verdict, Summary: "…"}, {ID: "C1", Verdict: results.Holds}}}
	}
	now, prev := run("h1", results.Partly), run("h1", results.Holds)
	AgainstPrevious(now, prev)
	if c := now.Claims[0]; c.Verdict != results.Unstable || c.Observed != results.Partly || len(c.Unstable) != 1 || !strings.Contains(c.Unstable[0], "gave holds; this run gives partly") {
		t.Errorf("C6: %+v", c)
	}
	if c := now.Claims[1]; c.Verdict != results.Holds || len(c.Unstable) != 0 {
		t.Errorf("C1 changed: %+v", c)
	}
	// The next run compares what its cells said, not the previous mark.
	next := run("h1", results.Partly)
	AgainstPrevious(next, now)
	if c := next.Claims[0]; c.Verdict != results.Partly {
		t.Errorf("run after an unstable one: %+v", c)
	}
	other := run("h2", results.Partly)
	AgainstPrevious(other, prev)
	if other.Claims[0].Verdict != results.Partly {
		t.Error("compared with a run of another matrix")
	}
	// An edited claim (same ID, another expectation) is a new question.
	edited := run("h1", results.Partly)
	edited.Claims[0].Expect = "build-error"
	AgainstPrevious(edited, prev)
	if edited.Claims[0].Verdict != results.Partly {
		t.Errorf("compared an edited claim with its earlier version: %+v", edited.Claims[0])
	}
}
