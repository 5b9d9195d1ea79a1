package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Cases at the edges: closed output, no main package, build tags, another
// module path, a directory name made to break shells, unbounded memory,
// unbounded output. Each is a cell outcome, never a runner crash.
func TestEdgeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	out := t.TempDir()
	code, _, stderr := runMain(t, context.Background(), "-f", edgeMatrix(t), "-o", out, "-rerun")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	cells := byCase(t, r)
	want := map[string]struct{ outcome, reason string }{
		"closeout":      {results.Hang, "timeout"},
		"notmain":       {results.BuildError, ""},
		"tagged":        {results.BuildError, "build constraints exclude all Go files"},
		"tagged-on":     {results.Complete, ""},
		"othermod":      {results.Complete, ""},
		"odd name;$(x)": {results.Complete, ""},
		"alloc":         {results.Fail, "memory limit exceeded (256 MiB)"},
		"printforever":  {results.Hang, "timeout"},
	}
	for name, w := range want {
		c, ok := cells[name]
		if !ok {
			t.Errorf("no cell for %q", name)
			continue
		}
		if c.Outcome != w.outcome || !strings.Contains(c.Reason, w.reason) {
			t.Errorf("%s: %s (%s), want %s (%s)", name, c.Outcome, c.Reason, w.outcome, w.reason)
		}
	}
	if c := cells["odd name;$(x)"]; c.Stdout == nil || c.Stdout.Head != "odd\n" || !strings.Contains(c.Reproduce, `'`) {
		t.Errorf("odd name: stdout %+v, reproduce %s", c.Stdout, c.Reproduce)
	}
	if c := cells["printforever"]; c.Stdout == nil || !c.Stdout.Truncated || c.Stdout.Bytes < 10<<20 || len(c.Stdout.Head) > 64<<10 || len(c.Stdout.Tail) > 64<<10 {
		t.Errorf("printforever: stdout %d bytes, truncated %v", c.Stdout.Bytes, c.Stdout.Truncated)
	}
	if c := cells["notmain"]; c.Reason == "" {
		t.Error("notmain: no reason")
	}
	assertNoLeftovers(t)
}

// edgeMatrix copies testdata/edge into a temporary directory and adds a
// case whose directory name holds a space, a semicolon and $(x): it must
// reach processes as a literal path, never through a shell. It is made
// here, not committed: a module zip admits no ';' in a file path, so the
// repository could not be published as a module with it.
func edgeMatrix(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "edge"))); err != nil {
		t.Fatal(err)
	}
	odd := filepath.Join(dir, "cases", "odd name;$(x)")
	if err := os.MkdirAll(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(odd, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"odd\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "matrix.yaml")
}

// buildRunner returns the runner command, built once per test binary
// (into the test cache), for tests that need a real process to signal or
// measure.
func buildRunner(t *testing.T) string {
	t.Helper()
	bin, err := runnerBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

var runnerBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(testCache, "runner-under-test")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gomatrix/gomatrix/runner")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build runner: %v\n%s", err, out)
	}
	return bin, nil
})

// SIGTERM to the runner: every cell process is stopped, the finished
// cells are written, marked incomplete, exit status 130.
func TestSIGTERM(t *testing.T) {
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("signals a real runner process")
	}
	bin := buildRunner(t)
	dir := t.TempDir()
	abs, _ := filepath.Abs("testdata/cases")
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("versions: [local]\ngomaxprocs: [1, 2, 3]\ncases: ["+abs+"/exit0, "+abs+"/hang, "+abs+"/ignoreterm, "+abs+"/fork]\ntimeout: 20s\n"), 0o644)
	cmd := exec.Command(bin, "-f", m, "-o", filepath.Join(dir, "out"), "-rerun")
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until hang cells are running: some cell has finished and
	// every build is done.
	sc := bufio.NewScanner(stderr)
	builds, finished := 0, 0
	var log strings.Builder
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if strings.HasPrefix(line, "built ") {
			builds++
		}
		if strings.Contains(line, "/12] ") {
			finished++
		}
		if builds == 4 && finished >= 1 {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	go func() {
		for sc.Scan() {
		}
	}()
	err := cmd.Wait()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the runner took %v to stop after SIGTERM", d)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit: %v, want status %d\n%s", err, ExitInterrupted, log.String())
	}
	r, err := results.Read(filepath.Join(dir, "out", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Complete || len(r.Cells) < finished || len(r.Cells) >= 12 {
		t.Errorf("results: complete %v, %d cells (%d reported finished)", r.Complete, len(r.Cells), finished)
	}
	assertNoLeftovers(t)
}
