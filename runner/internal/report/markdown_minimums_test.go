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
