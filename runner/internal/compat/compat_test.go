package compat

import (
	"reflect"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func cell(name, v, outcome, line, reason string) results.Cell {
	return results.Cell{Case: name, Go: v, Outcome: outcome, GoLine: line, Reason: reason}
}

func TestMinimums(t *testing.T) {
	r := &results.Results{
		Matrix: results.Matrix{Cases: []results.Case{
			{Name: "uuid", GoMod: true}, {Name: "cmp/a", GoMod: true}, {Name: "cmp/b", GoMod: true}, {Name: "prog"}, {Name: "new", GoMod: true},
		}},
		Cells: []results.Cell{
			// Declared 1.16, fails until go1.18: declared too low.
			cell("uuid", "go1.17.13", results.BuildError, "1.16", "undefined: testing.F"),
			cell("uuid", "go1.18.10", results.Complete, "1.16", ""),
			cell("uuid", "go1.26.8", results.Complete, "1.16", ""),
			// A package pattern counts as one; a no-tests skip says nothing.
			cell("cmp/a", "go1.20.14", results.Complete, "1.21", ""),
			cell("cmp/b", "go1.20.14", results.Skip, "1.21", "no tests to run"),
			cell("cmp/a", "go1.21.13", results.Complete, "1.21", ""),
			cell("cmp/b", "go1.21.13", results.Complete, "1.21", ""),
			// The runner wrote its go.mod: nothing declared.
			cell("prog", "go1.21.13", results.Complete, "1.21", ""),
			// Fails on the newest: nothing observed.
			cell("new", "go1.26.8", results.Fail, "1.26", "1 test failed: TestX"),
		},
	}
	r.Cells = append(r.Cells, results.Cell{Case: "uuid", Go: "go1.26.8", GoLineAxis: "1.22", Outcome: results.Fail},
		cell("nogoline", "go1.17.13", results.Fail, "", "x"), cell("nogoline", "go1.18.10", results.Complete, "", ""))
	r.Cells = append(r.Cells, cell("old", "go1.20.14", results.Complete, "1.13", ""))
	r.Matrix.Cases = append(r.Matrix.Cases, results.Case{Name: "nogoline", GoMod: true}, results.Case{Name: "old", GoMod: true})
	want := []results.Minimum{
		{Case: "uuid", Declared: "1.16", Observed: "go1.18.10", Oldest: "go1.17.13", Failing: "go1.17.13", FirstFailure: "go1.17.13 uuid: build-error: undefined: testing.F", Verdict: TooLow},
		{Case: "cmp", Declared: "1.21", Observed: "go1.20.14", Oldest: "go1.20.14", Verdict: Higher},
		{Case: "new", Declared: "1.26", Oldest: "go1.26.8", Failing: "go1.26.8", FirstFailure: "go1.26.8 new: fail: 1 test failed: TestX", Verdict: Unknown},
		{Case: "nogoline", Observed: "go1.18.10", Oldest: "go1.17.13", Failing: "go1.17.13", FirstFailure: "go1.17.13 nogoline: fail: x", Verdict: TooLow + " (no go line: the go command assumes go 1.16)"},
		{Case: "old", Declared: "1.13", Observed: "go1.20.14", Oldest: "go1.20.14", Verdict: Unknown + " (every toolchain tried passes; none older than go1.20.14 was tried)"},
	}
	if got := Minimums(r); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// A sparse matrix leaves minors untried between the last failure and the
// observed minimum; probes of releases outside the matrix fill the gap.
func TestMinimumsGapAndProbes(t *testing.T) {
	r := &results.Results{
		Matrix: results.Matrix{Cases: []results.Case{{Name: "m/a", GoMod: true}, {Name: "m/b", GoMod: true}}},
		Cells: []results.Cell{
			cell("m/a", "go1.16.15", results.BuildError, "1.16", "undefined: any"),
			cell("m/b", "go1.16.15", results.Complete, "1.16", ""),
			cell("m/a", "go1.20.14", results.Complete, "1.16", ""),
			cell("m/b", "go1.20.14", results.Complete, "1.16", ""),
		},
	}
	got := Minimums(r)
	if len(got) != 1 || got[0].Observed != "go1.20.14" || !reflect.DeepEqual(got[0].Untried, []string{"1.17", "1.18", "1.19"}) || got[0].Verdict != TooLow {
		t.Fatalf("without probes: %+v", got)
	}
	r.Probes = []results.Probe{
		{Case: "m", Go: "go1.18.10", Outcome: results.Complete, Cells: 2},
		{Case: "m", Go: "go1.17.13", Outcome: results.Fail, Reason: "m/a: TestAny failed", Cells: 2},
		{Case: "other", Go: "go1.19.13", Outcome: results.Fail, Cells: 1},
		{Case: "m", Go: "go1.15.15", Outcome: results.Skip, Reason: "toolchain unavailable"},
	}
	got = Minimums(r)
	want := results.Minimum{Case: "m", Declared: "1.16", Observed: "go1.18.10", Oldest: "go1.16.15",
		Failing: "go1.17.13", FirstFailure: "go1.17.13 fail: m/a: TestAny failed", Verdict: TooLow}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("with probes:\ngot  %+v\nwant %+v", got, want)
	}
}
