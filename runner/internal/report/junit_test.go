package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
)

func TestJUnitGolden(t *testing.T) {
	r := readFixture(t, "results.json")
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"junit.xml", buf.Bytes())

	// Well-formed XML (the escape in stderr is replaced, not copied), a
	// failure exactly for each cell that contradicts a claim.
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	if got.Tests != len(r.Cells) {
		t.Errorf("tests=%d, want %d", got.Tests, len(r.Cells))
	}
	var failed []string
	for _, s := range got.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failed = append(failed, c.Classname+" "+c.Name)
			}
		}
	}
	var want []string
	for _, u := range Unexpected(r) {
		want = append(want, u.Cell.ID())
	}
	if strings.Join(failed, "\n") != strings.Join(want, "\n") {
		t.Errorf("failures:\n%s\nwant the cells contradicting a claim:\n%s", strings.Join(failed, "\n"), strings.Join(want, "\n"))
	}
	if got.Skipped != 2 {
		t.Errorf("skipped=%d, want the 2 skip cells", got.Skipped)
	}
}
