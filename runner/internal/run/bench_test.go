package run

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	"gomatrix/runner/internal/results"
)

// BenchmarkCompleteOverhead measures what Cell adds to a completing run:
// each iteration runs the trivial program once through a plain
// exec.Command(...).Run() and once through Cell, interleaved so that both
// see the same machine load, and reports the medians and their difference
// (overhead-ms) besides ns/op, which covers both runs.
//
//	go test -run '^$' -bench CompleteOverhead -benchtime 300x ./runner/internal/run/
func BenchmarkCompleteOverhead(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
		re   *regexp.Regexp
	}{
		{"exit0", []string{"exit", "0"}, nil},
		// The marker path: the program prints "hi" and sleeps; Cell kills
		// it. The raw run is of "exit 0", which does as much work.
		{"marker", []string{"marker", "stdout"}, regexp.MustCompile(`^hi$`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := spec(bc.args...)
			s.CompleteOn = bc.re
			var raw, cell, diff []time.Duration
			for b.Loop() {
				t0 := time.Now()
				cmd := exec.Command(prog, "exit", "0")
				cmd.Env = []string{}
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				r0 := time.Since(t0)

				t0 = time.Now()
				r, err := Cell(context.Background(), s)
				if err != nil {
					b.Fatal(err)
				}
				if r.Outcome != results.Complete {
					b.Fatalf("%s (%s)", r.Outcome, r.Reason)
				}
				c := time.Since(t0)
				raw, cell, diff = append(raw, r0), append(cell, c), append(diff, c-r0)
			}
			b.ReportMetric(median(raw), "raw-ms")
			b.ReportMetric(median(cell), "cell-ms")
			b.ReportMetric(median(diff), "overhead-ms")
		})
	}
}

// median returns the median of ds in milliseconds.
func median(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}
