package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// readFixture reads testdata/results.json, the hand-made results every
// golden file is rendered from.
func readFixture(t *testing.T, name string) *results.Results {
	t.Helper()
	r, err := results.Read(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, readFixture(t, "results.json")); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"index.html", buf.Bytes())
}

// Whatever a case printed must reach the page as text, never as markup:
// the payloads of the fixture appear only escaped, in the markup and in
// the JSON the page's script reads.
func TestHTMLEscapesCaseOutput(t *testing.T) {
	r := readFixture(t, "results.json")
	r.Cells = append(r.Cells, results.Cell{Case: "busyloop", Selector: "local", Go: "go1.26.8", GOMAXPROCS: 3,
		Outcome: results.Fail, Reason: "<b>bold</b>", Stdout: &results.Output{Head: "</script><script>alert(1)</script>", Bytes: 34},
		Stderr: &results.Output{Head: "<!--", Tail: "\u2028</SCRIPT >"}, FatalLine: "<img src=x onerror=alert(2)>"})
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script>alert", "</script><script>", "<img src=x", "<b>bold", "<!--", "</SCRIPT", "\u2028"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	// Exactly two <script> elements: the data and the page's own code.
	if n := len(regexp.MustCompile(`(?i)<script`).FindAllString(page, -1)); n != 2 {
		t.Errorf("%d <script> tags in the page, want 2", n)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="cell-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no cell data in the page")
	}
	var data []struct {
		ID     string          `json:"id"`
		Stdout *results.Output `json:"stdout"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("cell data is not JSON: %v", err)
	}
	if len(data) != len(r.Cells) {
		t.Fatalf("cell data has %d cells, want %d", len(data), len(r.Cells))
	}
	if got := data[len(data)-1].Stdout.Head; got != "</script><script>alert(1)</script>" {
		t.Errorf("stdout in the cell data = %q, want the case's output unchanged", got)
	}
}

// The page is self-contained: nothing is loaded from anywhere.
func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, readFixture(t, "results.json")); err != nil {
		t.Fatal(err)
	}
	// The cells' data is text the script never treats as markup: leave it out.
	page := regexp.MustCompile(`(?s)(<script type="application/json" id="cell-data">).*?(</script>)`).ReplaceAllString(buf.String(), "$1$2")
	for _, re := range []string{`(?i)\bsrc\s*=`, `(?i)<link\b`, `(?i)https?://`, `(?i)@import`, `(?i)url\(`} {
		if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
			t.Errorf("the page refers to something outside it (%s): %q", re, page[max(loc[0]-40, 0):min(loc[1]+40, len(page))])
		}
	}
}

// Every renderer copes with a run that has no cells, and with an
// interrupted one.
func TestRenderersEdgeCases(t *testing.T) {
	empty := &results.Results{Schema: results.SchemaVersion}
	interrupted := readFixture(t, "results.json")
	interrupted.Complete = false
	interrupted.Cells = interrupted.Cells[:3]
	for name, r := range map[string]*results.Results{"empty": empty, "interrupted": interrupted} {
		for fname, f := range map[string]func(*bytes.Buffer, *results.Results) error{
			"markdown": func(b *bytes.Buffer, r *results.Results) error { return Markdown(b, r) },
			"html":     func(b *bytes.Buffer, r *results.Results) error { return HTML(b, r) },
			"csv":      func(b *bytes.Buffer, r *results.Results) error { return CSV(b, r) },
			"junit":    func(b *bytes.Buffer, r *results.Results) error { return JUnit(b, r) },
			"diff":     func(b *bytes.Buffer, r *results.Results) error { return DiffText(b, Diff(r, r)) },
		} {
			var buf bytes.Buffer
			if err := f(&buf, r); err != nil || buf.Len() == 0 {
				t.Errorf("%s %s: %v, %d bytes", name, fname, err, buf.Len())
			}
		}
	}
	var buf bytes.Buffer
	HTML(&buf, interrupted)
	if !strings.Contains(buf.String(), "This run was interrupted") {
		t.Error("the page does not say the run was interrupted")
	}
}
