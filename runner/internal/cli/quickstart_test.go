package cli

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// quickstartDir holds the README's quick start, file for file.
const quickstartDir = repoRoot + "/examples/quickstart"

// The README's quick start writes out the files of examples/quickstart
// exactly, and running that matrix with the local toolchain gives the
// cells and outcomes the README shows.
func TestQuickStart(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := markdownSection(string(readme), "## Quick start: 30 seconds on your own Go")
	if section == "" {
		t.Fatal(`README.md has no section "## Quick start: 30 seconds on your own Go"`)
	}

	// The files, as the README's heredocs write them.
	heredoc := regexp.MustCompile(`(?s)cat > (\S+) <<'EOF'\n(.*?)\nEOF\n`)
	written := map[string]bool{}
	for _, m := range heredoc.FindAllStringSubmatch(section, -1) {
		written[m[1]] = true
		got, err := os.ReadFile(filepath.Join(quickstartDir, filepath.FromSlash(m[1])))
		if err != nil {
			t.Errorf("the README's quick start writes %s, which examples/quickstart lacks: %v", m[1], err)
			continue
		}
		if string(got) != m[2]+"\n" {
			t.Errorf("examples/quickstart/%s differs from what the README's quick start writes: make them the same\nREADME:\n%s\nfile:\n%s", m[1], m[2], got)
		}
	}
	if !written["matrix.yaml"] {
		t.Fatalf("the README's quick start writes no matrix.yaml (cat > matrix.yaml <<'EOF' … EOF)")
	}
	filepath.WalkDir(quickstartDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "results" {
				return filepath.SkipDir // what running the example writes
			}
			return nil
		}
		rel, _ := filepath.Rel(quickstartDir, path)
		if !written[filepath.ToSlash(rel)] {
			t.Errorf("examples/quickstart/%s is not in the README's quick start: write it out there, or remove it", filepath.ToSlash(rel))
		}
		return nil
	})

	// The outcomes, as the README's sample output shows them.
	// "[2/4] hang        busyloop go1.26.8 P=1 D=asyncpreemptoff=1  timeout after 1s":
	// the settings are the X=value words after the version; an unset one
	// may be left out or written X= or X=–.
	cellLine := regexp.MustCompile(`(?m)^\[\d+/\d+\] (\S+)\s+(\S+) \S+((?: [PDEL]=\S*)*)`)
	want := map[string]string{}
	for _, m := range cellLine.FindAllStringSubmatch(section, -1) {
		set := map[string]string{}
		for _, kv := range strings.Fields(m[3]) {
			k, v, _ := strings.Cut(kv, "=")
			set[k] = strings.Trim(v, "–-")
		}
		want[cellKey(m[2], set["P"], set["D"], set["E"])] = m[1]
	}
	summaryLine := regexp.MustCompile(`(?m)^(\d+) of \d+ cells in [0-9.]+s: (.*)$`).FindStringSubmatch(section)
	if len(want) == 0 || summaryLine == nil {
		t.Fatalf("found no sample output ([1/4] complete … and \"4 of 4 cells in …: …\") in the README's quick start")
	}

	if testing.Short() {
		t.Skip("builds and runs the quick start")
	}
	out := t.TempDir()
	code, _, stderr := runMain(t, context.Background(), "-f", filepath.Join(quickstartDir, "matrix.yaml"), "-o", out, "-q", "-rerun")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range r.Cells {
		procs := ""
		if c.GOMAXPROCS != 0 {
			procs = fmt.Sprint(c.GOMAXPROCS)
		}
		got[cellKey(c.Case, procs, c.GODEBUG, c.GOEXPERIMENT)] = c.Outcome
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			t.Errorf("cell %s: %q, the README says %s", k, got[k], want[k])
		}
	}
	for k, o := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("cell %s (%s) is not in the README's sample output", k, o)
		}
	}
	if s := summary(r.Cells); s != summaryLine[2] || summaryLine[1] != fmt.Sprint(len(r.Cells)) {
		t.Errorf("the run says %d cells: %s; the README says %s cells: %s", len(r.Cells), s, summaryLine[1], summaryLine[2])
	}
	if !strings.Contains(stderr, "wrote ") {
		t.Errorf("the run did not say what it wrote:\n%s", stderr)
	}
}

// cellKey names a cell of the quick start by its case and settings.
func cellKey(name, procs, godebug, goexperiment string) string {
	return fmt.Sprintf("%s P=%s D=%s E=%s", name, procs, godebug, goexperiment)
}
