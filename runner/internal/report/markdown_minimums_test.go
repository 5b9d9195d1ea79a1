package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func TestMarkdownMinimums(t *testing.T) {
	r := &results.Results{Minimums: []results.Minimum{
		{Case: "uuid", Observed: "go1.18.10", Oldest: "go1.13.15", FirstFailure: "go1.17.13 uuid: build-error: ./x_test.go:1: undefined: testing.F | <b>", Verdict: "declared too low"},
		{Case: "new", Declared: "1.26", Oldest: "go1.26.8", Verdict: "unknown"},
	}}
	var buf bytes.Buffer
	p := &printer{w: &buf}
	mdMinimums(p, r)
	for _, want := range []string{
		"| `uuid` | none (1.16) | go1.18.10 | go1.13.15 | declared too low | go1.17.13 uuid: build-error: ./x\\_test.go:1: undefined: testing.F \\| &lt;b&gt; |",
		"| `new` | 1.26 | none: fails on the newest | go1.26.8 | unknown |  |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("minimums section lacks\n%s\n%s", want, buf.String())
		}
	}
	buf.Reset()
	mdMinimums(&printer{w: &buf}, &results.Results{})
	if buf.Len() != 0 {
		t.Errorf("a run without minimums has a section: %q", buf.String())
	}
}

// A minimum with minors untried below it says so; one located by probes
// outside the matrix names them.
func TestMinimumRowsGapAndProbes(t *testing.T) {
	r := &results.Results{
		Minimums: []results.Minimum{
			{Case: "a", Observed: "go1.21.13", Untried: []string{"1.17", "1.18", "1.19", "1.20"}},
			{Case: "b", Declared: "1.21", Observed: "go1.20.14"},
		},
		Probes: []results.Probe{{Case: "b", Go: "go1.19.13", Outcome: results.BuildError}, {Case: "b", Go: "go1.20.14", Outcome: results.Complete}},
	}
	rows := minimumRows(r)
	if rows[0].Observed != "go1.21.13 (go1.17–go1.20 untried)" || rows[0].Declared != "none (1.16)" {
		t.Errorf("gap: %+v", rows[0])
	}
	if rows[1].Observed != "go1.20.14 (bisected outside the matrix: go1.19.13 build-error, go1.20.14 complete)" {
		t.Errorf("probes: %+v", rows[1])
	}
}
