package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// reportFixture is the report package's hand-made results.json.
var reportFixture = filepath.Join("..", "report", "testdata", "results.json")

// runCmd runs a subcommand in-process and returns its exit status and
// output.
func runCmd(t *testing.T, name string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = e.Main(context.Background(), append([]string{name}, args...))
	return code, out.String(), errb.String()
}

func TestReportFormats(t *testing.T) {
	want, err := results.Read(reportFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"markdown", func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "# Results\n") {
				t.Errorf("not the Markdown report:\n%.200s", out)
			}
		}},
		{"md", func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "# Results\n") {
				t.Errorf("not the Markdown report:\n%.200s", out)
			}
		}},
		{"html", func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "<!DOCTYPE html>") || strings.Contains(out, "<script>alert") {
				t.Errorf("not a safe HTML page:\n%.200s", out)
			}
		}},
		{"csv", func(t *testing.T, out string) {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != len(want.Cells)+1 {
				t.Errorf("CSV: %d rows, %v", len(rows), err)
			}
		}},
		{"junit", func(t *testing.T, out string) {
			var v struct {
				Tests int `xml:"tests,attr"`
			}
			if err := xml.Unmarshal([]byte(out), &v); err != nil || v.Tests != len(want.Cells)+len(want.Claims) {
				t.Errorf("JUnit: tests=%d, %v", v.Tests, err)
			}
		}},
		{"json", func(t *testing.T, out string) {
			data, _ := results.Marshal(want)
			if out != string(data) {
				t.Errorf("json is not results.json re-indented")
			}
		}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			code, out, stderr := runCmd(t, "report", "-format", tt.format, reportFixture)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			tt.check(t, out)
		})
	}
}

// -o picks the format from the file's extension unless -format says.
func TestReportFormatFromExtension(t *testing.T) {
	dir := t.TempDir()
	for name, prefix := range map[string]string{"index.html": "<!DOCTYPE html>", "r.md": "# Results", "r.csv": "case,", "r.xml": "<?xml", "r.json": "{"} {
		out := filepath.Join(dir, name)
		if code, _, stderr := runCmd(t, "report", "-o", out, reportFixture); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil || !strings.HasPrefix(string(data), prefix) {
			t.Errorf("%s starts %.30q, want %q (%v)", name, data, prefix, err)
		}
	}
	out := filepath.Join(dir, "forced.html")
	runCmd(t, "report", "-format", "markdown", "-o", out, reportFixture)
	if data, _ := os.ReadFile(out); !strings.HasPrefix(string(data), "# Results") {
		t.Errorf("-format markdown -o x.html wrote %.30q", data)
	}
}

func TestReportMaxBytes(t *testing.T) {
	code, out, stderr := runCmd(t, "report", "-max-bytes", "2500", reportFixture)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(out) > 2500 || !strings.Contains(out, "Cut to fit") {
		t.Errorf("%d bytes, want at most 2500 with a note:\n%s", len(out), out)
	}
}

func TestReportUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"-format", "pdf", reportFixture}, "hint: formats: markdown, html, csv, junit, json", ExitUsage},
		{[]string{"-format", "html", "-max-bytes", "5000", reportFixture}, "only with markdown", ExitUsage},
		{[]string{"a.json", "b.json"}, "want at most one results.json", ExitUsage},
		{[]string{filepath.Join(t.TempDir(), "missing.json")}, "read results", ExitFailure},
	} {
		code, _, stderr := runCmd(t, "report", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
