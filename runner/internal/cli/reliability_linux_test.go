package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"gomatrix/runner/internal/results"
)

// A case that prints without end leaves the runner's memory small.
func TestPrintForeverRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a real runner process on Linux")
	}
	bin := buildRunner(t)
	dir := t.TempDir()
	abs, _ := filepath.Abs("testdata/edge/cases/printforever")
	m := filepath.Join(dir, "matrix.yaml")
	// 5 s at ~1 GB/s: gigabytes through the runner.
	os.WriteFile(m, []byte("versions: [local]\ncases: ["+abs+"]\ntimeout: 5s\n"), 0o644)
	var rss int64
	// The first run builds the case; the second reuses the binary, so no
	// go build (whose compiler's memory the kernel would count as the
	// runner's: ru_maxrss covers waited-for children) is measured.
	for range 2 {
		cmd := exec.Command(bin, "-q", "-f", m, "-o", filepath.Join(dir, "out"), "-rerun")
		cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	}
	r, err := results.Read(filepath.Join(dir, "out", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cells[0]
	t.Logf("printed %d MB; runner peak RSS %d MB", c.Stdout.Bytes>>20, rss>>20)
	if c.Outcome != results.Hang || c.Stdout.Bytes < 200<<20 {
		t.Errorf("cell %s with %d bytes of output", c.Outcome, c.Stdout.Bytes)
	}
	if rss > 100<<20 {
		t.Errorf("runner peak RSS %d MB, want under 100 MB", rss>>20)
	}
}
