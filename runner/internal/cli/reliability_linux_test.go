package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
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
	// The first run builds the case; the second reuses the binary. The
	// runner's own peak is read from /proc (VmHWM) while it runs: ru_maxrss
	// would also count the children it waited for (the go command it
	// starts to find the local toolchain, a build).
	for range 2 {
		cmd := exec.Command(bin, "-q", "-f", m, "-o", filepath.Join(dir, "out"), "-rerun")
		cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+testCache)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rss = peakRSS(cmd)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
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

// peakRSS polls the peak resident memory of cmd's process itself
// (VmHWM, children excluded) until it exits, and returns the last value
// read.
func peakRSS(cmd *exec.Cmd) int64 {
	var peak int64
	status := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status")
	for {
		data, err := os.ReadFile(status)
		if err != nil || strings.Contains(string(data), "State:\tZ") {
			return peak // gone, or a zombie whose memory is released
		}
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				peak = max(peak, kb<<10)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}
