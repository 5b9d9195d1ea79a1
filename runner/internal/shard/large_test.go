package shard

import (
	"slices"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A full matrix of ~10 000 cells — every minor from go1.13 to go1.26 ×
// 6 cases × 4 GOMAXPROCS × 5 GODEBUG × 6 GOEXPERIMENT, 3 repeats, the
// old toolchains rebuilt per experiment — planned (nothing runs) into
// as many shards as asked, capped at 256 jobs, each within 1.2× of the
// mean expected cost, then merged back from fake shard results.
func TestLargeMatrixPlanAndMerge(t *testing.T) {
	ax := axes{
		versions: minors(13, 26), cases: 6, procs: []int{0, 1, 2, 4},
		debugs:  []string{"", "asyncpreemptoff=1", "gctrace=1", "madvdontneed=1", "invalidptr=0"},
		exps:    []string{"", "preemptibleloops", "nocgocheck2", "loopvar", "aliastypeparams", "swissmap"},
		timeout: 10 * time.Second, repeat: 3, rebuild: true,
	}
	m, cells := ax.expand(t)
	if len(cells) < 9_000 || len(cells) > 11_000 {
		t.Fatalf("%d cells, want about 10 000", len(cells))
	}
	// A previous run where a third of the cells hung and the rest took
	// from 1 to 800 ms.
	prev := &results.Results{}
	for i, c := range cells {
		rc := resultCell(c, results.Complete)
		rc.DurationMS = float64(1 + i*7919%800)
		if i%3 == 0 {
			rc.Outcome, rc.DurationMS = results.Hang, 10_000
		}
		prev.Cells = append(prev.Cells, rc)
	}

	for _, tt := range []struct {
		name    string
		shards  int
		history *History
		want    int
	}{
		{"1000 shards asked", 1000, nil, MaxJobs},
		{"256 shards, with history", 256, NewHistory(prev), MaxJobs},
		{"100 shards", 100, nil, 100},
		{"7 shards, with history", 7, NewHistory(prev), 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			p := mustPlan(t, m, cells, Options{Shards: tt.shards, History: tt.history})
			took := time.Since(start)
			if len(p.Shards) != tt.want {
				t.Fatalf("%d shards, want %d", len(p.Shards), tt.want)
			}
			largest, mean := p.Costs()
			t.Logf("%d cells in %d shards planned in %v: largest %v, mean %v (%.3f×)", len(cells), len(p.Shards), took, largest, mean, float64(largest)/float64(mean))
			if float64(largest) > 1.2*float64(mean) {
				t.Errorf("largest shard %v > 1.2 × mean %v", largest, mean)
			}
			downloads := 0
			for _, s := range p.Shards {
				downloads += len(s.Versions)
				if len(p.Shards) >= len(ax.versions) && len(s.Versions) > 2 {
					t.Errorf("shard %s downloads %d toolchains", s.Spec, len(s.Versions))
				}
			}
			if downloads > len(ax.versions)+len(p.Shards)-1 {
				t.Errorf("%d downloads in all, want at most %d", downloads, len(ax.versions)+len(p.Shards)-1)
			}

			st, err := NewStrategy(p.Jobs(Runner{}))
			if err != nil {
				t.Fatal(err)
			}
			data, _ := st.JSON()
			if len(st.Include) > MaxJobs || len(data) > 1<<20 {
				t.Errorf("%d jobs, %d bytes of JSON (a job output holds 1 MB)", len(st.Include), len(data))
			}
			if _, err := NewStrategy(slices.Concat(p.Jobs(ubuntu), p.Jobs(macos), p.Jobs(windows))); (err == nil) != (3*len(p.Shards) <= MaxJobs) {
				t.Errorf("%d shards × 3 runners: error %v", len(p.Shards), err)
			}

			// Each shard job re-derives its shard from the same inputs.
			again := mustPlan(t, m, cells, Options{Shards: len(p.Shards), History: tt.history})
			if again.ID != p.ID {
				t.Errorf("re-planned from i/%d: plan %s, want %s", len(p.Shards), again.ID, p.ID)
			}

			in := shardRuns(p, linux)
			slices.Reverse(in)
			mg, err := Merge(in)
			if err != nil {
				t.Fatal(err)
			}
			if mg.Problems() != 0 || !mg.Results.Complete {
				t.Errorf("merge: %d problems: %q %q %q", mg.Problems(), mg.MissingShards, mg.Missing, mg.Duplicates)
			}
			if !slices.Equal(keysOf(mg.Results.Cells), keysOf(wholeRun(p.MatrixHash, cells, linux).Results.Cells)) {
				t.Error("merged cells are not the whole run's")
			}
		})
	}

	// The most shards three runners take: 85 × 3 = 255 jobs.
	p := mustPlan(t, m, cells, Options{Shards: MaxJobs / 3})
	st, err := NewStrategy(slices.Concat(p.Jobs(ubuntu), p.Jobs(macos), p.Jobs(windows)))
	if err != nil || len(st.Include) != 255 {
		t.Errorf("85 shards × 3 runners: %d jobs, %v", len(st.Include), err)
	}
}

// Planning the largest matrix allowed stays quick.
func TestPlanMaxCells(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("plans a million cells: not with -short or -race")
	}
	ax := axes{versions: minors(1, 25), cases: 200, procs: []int{0, 1, 2, 4, 8}, debugs: []string{"", "a=1", "b=1", "c=1", "d=1"},
		exps: []string{"", "x", "y", "z", "w", "v", "u", "t"}, timeout: time.Second}
	m, cells := ax.expand(t)
	if len(cells) != 1_000_000 || len(cells) > matrix.MaxCells {
		t.Fatalf("%d cells", len(cells))
	}
	start := time.Now()
	p := mustPlan(t, m, cells, Options{Shards: MaxJobs})
	largest, mean := p.Costs()
	t.Logf("%d cells into %d shards in %v: largest %v, mean %v", len(cells), len(p.Shards), time.Since(start), largest, mean)
	if float64(largest) > 1.2*float64(mean) {
		t.Errorf("largest shard %v > 1.2 × mean %v", largest, mean)
	}
}
