package claim

import (
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func TestVerdict(t *testing.T) {
	tests := []struct {
		held, contra, flaky, unstable int
		want                          string
	}{
		{3, 0, 0, 0, results.Holds},
		{0, 2, 0, 0, results.Refuted},
		{1, 1, 0, 0, results.Partly},
		{3, 0, 1, 0, results.Flaky},
		{0, 2, 2, 0, results.Flaky},
		{3, 0, 0, 1, results.Unstable},
		{0, 0, 1, 1, results.Flaky},
	}
	for _, tt := range tests {
		if got := verdict(tt.held, tt.contra, tt.flaky, tt.unstable); got != tt.want {
			t.Errorf("verdict(%d held, %d contradicting, %d flaky, %d unstable) = %s, want %s", tt.held, tt.contra, tt.flaky, tt.unstable, got, tt.want)
		}
	}
}

func TestVersionTallySummary(t *testing.T) {
	tl := &versionTally{held: map[string]int{}, contra: map[string]int{}}
	for _, c := range []struct {
		v  string
		ok bool
	}{{"go1.26.8", true}, {"go1.13.15", false}, {"go1.14.15", true}, {"go1.16.15", true}, {"go1.16.15", false}} {
		tl.add(c.v, c.ok)
	}
	want := "holds on go1.14.15, go1.26.8; contradicted on go1.13.15; holds for some of its cells only on go1.16.15"
	if got := tl.summary(); got != want {
		t.Errorf("summary = %q\nwant      %q", got, want)
	}
}
