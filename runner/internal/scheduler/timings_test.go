package scheduler

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
)

func completeRun(ms float64, stdout string) run.Result {
	d := time.Duration(ms * float64(time.Millisecond))
	return run.Result{Outcome: results.Complete, Duration: d + time.Millisecond, CompletedAfter: d,
		Stdout: results.Output{Head: stdout, Bytes: int64(len(stdout))}}
}

// Every run's figures are kept; the cell's complete_ms is their median;
// a time the program reports itself is recorded, and a run whose program
// measured more than the runner did is flagged.
func TestTimings(t *testing.T) {
	self := regexp.MustCompile(`^hi after ([0-9.]+) ms$`)
	for _, tt := range []struct {
		name      string
		runs      []run.Result
		complete  float64 // 0: nil
		selfMS    float64
		timings   int
		timingErr string
		fragile   bool
		outcome   string
	}{
		{"one run", []run.Result{completeRun(12, "hi after 10.50 ms\n")}, 12, 10.5, 0, "", false, results.Complete},
		{"median of three", []run.Result{completeRun(14, ""), completeRun(10, ""), completeRun(12, "")}, 12, 0, 3, "", false, results.Complete},
		{"program measured more", []run.Result{completeRun(12, "hi after 11.00 ms\n"), completeRun(8.6, "x\nhi after 10.08 ms\n")}, 10.3, 10.54, 2, "run 2: the program measured 10.08 ms inside an interval the runner measured as 8.60 ms", false, results.Complete},
		{"fragile by its slowest run", []run.Result{completeRun(100, ""), completeRun(600, ""), completeRun(110, "")}, 110, 0, 3, "", true, results.Complete},
		{"hang majority", []run.Result{{Outcome: results.Hang, Duration: time.Second}, completeRun(12, ""), {Outcome: results.Hang, Duration: time.Second}}, 0, 0, 3, "", false, results.Hang},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &results.Cell{TimeoutMS: 1000}
			fold(r, tt.runs)
			timings(r, tt.runs, self)
			if r.Outcome != tt.outcome {
				t.Errorf("outcome %s, want %s", r.Outcome, tt.outcome)
			}
			if got := deref(r.CompleteMS); got != tt.complete {
				t.Errorf("complete_ms %v, want %v", got, tt.complete)
			}
			if got := deref(r.SelfMS); got != tt.selfMS {
				t.Errorf("self_ms %v, want %v", got, tt.selfMS)
			}
			if len(r.Timings) != tt.timings {
				t.Errorf("%d timings, want %d", len(r.Timings), tt.timings)
			}
			if !strings.HasPrefix(r.TimingError, tt.timingErr) || (tt.timingErr == "") != (r.TimingError == "") {
				t.Errorf("timing error %q, want %q", r.TimingError, tt.timingErr)
			}
			if (r.Fragile != "") != tt.fragile {
				t.Errorf("fragile %q, want %v", r.Fragile, tt.fragile)
			}
		})
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
