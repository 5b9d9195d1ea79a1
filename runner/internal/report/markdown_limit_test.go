package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Under the limit the Markdown is exactly what Markdown writes.
func TestMarkdownLimitedFits(t *testing.T) {
	r := readFixture(t, "results.json")
	var full, limited bytes.Buffer
	if err := Markdown(&full, r); err != nil {
		t.Fatal(err)
	}
	if err := MarkdownLimited(&limited, r, StepSummaryLimit, "index.html"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(full.Bytes(), limited.Bytes()) {
		t.Error("MarkdownLimited changed a summary that fits")
	}
}

// Over the limit it is cut at a line, says what was cut and where the
// rest is, and stays under the limit; an open <details> is closed.
func TestMarkdownLimitedCuts(t *testing.T) {
	r := readFixture(t, "results.json")
	var full bytes.Buffer
	if err := Markdown(&full, r); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1500, 2200, 2900, full.Len() - 100, full.Len() - 1} {
		var buf bytes.Buffer
		if err := MarkdownLimited(&buf, r, limit, "results/index.html and results/results.json"); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if len(out) > limit {
			t.Errorf("limit %d: %d bytes", limit, len(out))
		}
		if !strings.Contains(out, "were left out") || !strings.Contains(out, "results/index.html") {
			t.Errorf("limit %d: no note on the cut:\n%s", limit, out)
		}
		if o, c := strings.Count(out, "<details>"), strings.Count(out, "</details>"); o != c {
			t.Errorf("limit %d: %d <details> but %d </details>", limit, o, c)
		}
		if limit == 2900 {
			golden.Check(t, "testdata/"+"results-cut.md", buf.Bytes())
		}
	}
}

// A matrix far over 1 MiB is cut under it.
func TestMarkdownLimitedHuge(t *testing.T) {
	r := readFixture(t, "results.json")
	// A note per distinct reason of a failure: 2000 long ones.
	for i := range 2000 {
		r.Cells = append(r.Cells, results.Cell{Case: "many", Go: fmt.Sprintf("go1.%d.%d", 30+i/100, i%100), GOMAXPROCS: 1,
			Outcome: results.Fail, Reason: fmt.Sprintf("reason %d: %s", i, strings.Repeat("a long reason ", 40))})
	}
	var full, buf bytes.Buffer
	if err := Markdown(&full, r); err != nil {
		t.Fatal(err)
	}
	if full.Len() <= StepSummaryLimit {
		t.Fatalf("the test wants a summary over 1 MiB, got %d bytes", full.Len())
	}
	if err := MarkdownLimited(&buf, r, StepSummaryLimit, "results/index.html"); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > StepSummaryLimit {
		t.Errorf("%d bytes, over the limit", buf.Len())
	}
	note := buf.String()[strings.LastIndex(buf.String(), "> **Cut"):]
	if !strings.Contains(note, "1 MiB") {
		t.Errorf("note does not say the limit: %s", note)
	}
	t.Log(note)
}
