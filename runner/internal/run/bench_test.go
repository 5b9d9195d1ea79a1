package run

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// BenchmarkCompleteOverhead measures what Cell adds to a completing run:
// each iteration runs the trivial program once through a plain
// exec.Command(...).Run(), once through Cell starting it directly and
// once through Cell with a supervisor (unix; elsewhere both are direct),
// interleaved so that all see the same machine load. It reports the
// medians (raw-ms, direct-ms, cell-ms), the median of what Cell adds to
// the plain run (overhead-ms) and of what the supervisor adds to the
// direct start (supervisor-ms), besides ns/op, which covers all three.
//
//	go test -run '^$' -bench CompleteOverhead -benchtime 300x ./runner/internal/run/
func BenchmarkCompleteOverhead(b *testing.B) {
	defer func(old bool) { useSupervisor = old }(useSupervisor)
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
			cellRun := func(supervised bool) time.Duration {
				useSupervisor = supervised
				t0 := time.Now()
				r, err := Cell(context.Background(), s)
				if err != nil {
					b.Fatal(err)
				}
				if r.Outcome != results.Complete {
					b.Fatalf("%s (%s)", r.Outcome, r.Reason)
				}
				return time.Since(t0)
			}
			cellRun(true) // an idle supervisor is kept from the first run on
			var raw, direct, cell, overhead, sup []time.Duration
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
				d := cellRun(false)
				c := cellRun(true)
				raw, direct, cell = append(raw, r0), append(direct, d), append(cell, c)
				overhead, sup = append(overhead, c-r0), append(sup, c-d)
			}
			b.ReportMetric(median(raw), "raw-ms")
			b.ReportMetric(median(direct), "direct-ms")
			b.ReportMetric(median(cell), "cell-ms")
			b.ReportMetric(median(overhead), "overhead-ms")
			b.ReportMetric(median(sup), "supervisor-ms")
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
