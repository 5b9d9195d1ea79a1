package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// TestIntegrationArticle runs the article's loop on real old toolchains
// fetched through the module proxy: go1.13.15 (before asynchronous
// preemption) and go1.14.15, with GOEXPERIMENT=preemptibleloops through
// rebuilt toolchains. It downloads ~250 MB and runs make.bash twice
// (minutes), so it runs only with GOMATRIX_INTEGRATION=1 (CI sets it).
func TestIntegrationArticle(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to fetch go1.13.15 and go1.14.15 and rebuild them with preemptibleloops")
	}
	dir := t.TempDir()
	abs, _ := filepath.Abs(filepath.Join("..", "..", "..", "cases"))
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte(`
versions: ["1.13.15", "go1.14.15"]
gomaxprocs: [1]
godebug: ["", asyncpreemptoff=1]
goexperiment: ["", preemptibleloops]
goexperiment_rebuild: true
cases: [`+abs+`/busyloop, `+abs+`/gosched]
timeout: 1s
`), 0o644)
	out := filepath.Join(dir, "out")
	code, _, stderr := runMain(t, context.Background(), "-f", m, "-o", out, "-rerun")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]results.Cell{}
	for _, c := range r.Cells {
		got[c.LegacyID()] = c // the names these expectations were written with
	}
	want := map[string]string{
		// Before go1.14 nothing preempts the empty loop...
		"busyloop go1.13.15 P=1 D=– E=–": results.Hang,
		// ...except a toolchain rebuilt with preemptibleloops.
		"busyloop go1.13.15 P=1 D=– E=preemptibleloops":                 results.Complete,
		"busyloop go1.14.15 P=1 D=– E=–":                                results.Complete,
		"busyloop go1.14.15 P=1 D=asyncpreemptoff=1 E=–":                results.Hang,
		"busyloop go1.14.15 P=1 D=asyncpreemptoff=1 E=preemptibleloops": results.Complete,
		"gosched go1.13.15 P=1 D=– E=–":                                 results.Complete,
	}
	for id, outcome := range want {
		c, ok := got[id]
		if !ok {
			t.Errorf("no cell %s", id)
			continue
		}
		if c.Outcome != outcome {
			t.Errorf("%s: %s (%s), want %s", id, c.Outcome, c.Reason, outcome)
		}
	}
	if c := got["busyloop go1.13.15 P=1 D=– E=preemptibleloops"]; !strings.Contains(c.Variant, "rebuilt with GOEXPERIMENT=preemptibleloops") || len(c.Inert) != 0 {
		t.Errorf("rebuilt cell: variant %q, inert %q", c.Variant, c.Inert)
	}
	// go1.13's standard library does not read asyncpreemptoff: the setting is inert there.
	if c := got["busyloop go1.13.15 P=1 D=asyncpreemptoff=1 E=–"]; len(c.Inert) != 1 || !strings.Contains(c.Inert[0], "does not read asyncpreemptoff") {
		t.Errorf("go1.13.15 asyncpreemptoff cell: inert %q", c.Inert)
	}
	if c := got["busyloop go1.14.15 P=1 D=asyncpreemptoff=1 E=–"]; len(c.Inert) != 0 || !strings.Contains(c.GoroutineDump, "main.main") {
		t.Errorf("go1.14.15 hang: inert %q, dump %q", c.Inert, c.GoroutineDump)
	}
}
