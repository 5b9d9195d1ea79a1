package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Two runners at once on one cache, each with its own output directory,
// both building the same cases for the first time: both finish, with the
// right outcome for every cell. They share the result cache, the build
// cache and the built binaries (and would share toolchain installs).
func TestTwoRunsOneCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs twice at once")
	}
	bin := buildRunner(t)
	dir := t.TempDir()
	abs, _ := filepath.Abs("testdata/cases")
	m := filepath.Join(dir, "matrix.yaml")
	// A fresh env value: build keys no earlier run has built.
	nonce := fmt.Sprint(time.Now().UnixNano())
	os.WriteFile(m, []byte("versions: [local]\ngomaxprocs: [1]\ncases: ["+abs+"/exit0, "+abs+"/marker, "+abs+"/crash, "+abs+"/fork, "+abs+"/buildfail, "+abs+"/hang]\nenv: {NONCE: \""+nonce+"\"}\ntimeout: 2s\n"), 0o644)
	want := map[string]string{
		"exit0": results.Complete, "marker": results.Complete, "crash": results.Fail,
		"fork": results.Complete, "buildfail": results.BuildError, "hang": results.Hang,
	}
	var wg sync.WaitGroup
	outs := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	logs := make([]bytes.Buffer, len(outs))
	errs := make([]error, len(outs))
	for i, out := range outs {
		wg.Go(func() {
			cmd := exec.Command(bin, "-q", "-p", "2", "-f", m, "-o", out)
			cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
			cmd.Stderr = &logs[i]
			errs[i] = cmd.Run()
		})
	}
	wg.Wait()
	for i, out := range outs {
		if errs[i] != nil {
			t.Errorf("run %d: %v\n%s", i, errs[i], logs[i].String())
			continue
		}
		r, err := results.Read(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Complete || len(r.Cells) != len(want) {
			t.Errorf("run %d: complete %v, %d cells", i, r.Complete, len(r.Cells))
		}
		for _, c := range r.Cells {
			if c.Outcome != want[c.Case] {
				t.Errorf("run %d: %s: %s (%s), want %s", i, c.Case, c.Outcome, c.Reason, want[c.Case])
			}
		}
	}
	assertNoLeftovers(t)
}

// A run refuses at once an output directory another run holds, naming it
// and the holder; -list needs no output directory; merge refuses too.
func TestOutputDirInUse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	unlock, err := pipeline.LockOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	start := time.Now()
	code, _, stderr := runMain(t, context.Background(), "-f", "testdata/matrix.yaml", "-o", out, "-only", "case=exit0")
	if code != ExitFailure || !strings.Contains(stderr, out) || !strings.Contains(stderr, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(stderr, "hint: ") {
		t.Errorf("run: exit %d, want %d with the directory, the holder and a hint:\n%s", code, ExitFailure, stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refused after %v", d)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
		t.Error("the refused run wrote results.json")
	}
	t.Log(stderr)
	if code, _, stderr := runMain(t, context.Background(), "-f", "testdata/matrix.yaml", "-o", out, "-list"); code != ExitOK {
		t.Errorf("-list: exit %d\n%s", code, stderr)
	}
	in := filepath.Join(t.TempDir(), "results.json")
	writeShardResults(t, in, "h1", nil, results.Host{GOOS: "linux", GOARCH: "amd64", CPUs: 2},
		[]results.Cell{{Case: "a", Selector: "local", Go: "go1.26.8", GOMAXPROCS: 1, Outcome: results.Complete, Runs: 1}})
	code, _, stderr = runMain(t, context.Background(), "merge", "-o", out, in)
	if code != ExitFailure || !strings.Contains(stderr, "in use by another run") {
		t.Errorf("merge: exit %d, want %d, refused:\n%s", code, ExitFailure, stderr)
	}
}
