package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// watch returns channels told each cell's start and end by name, for a
// scheduler's CellStarted and CellDone.
func watch(s *Scheduler) (started, done chan string) {
	started, done = make(chan string, 16), make(chan string, 16)
	s.CellStarted = func(c *matrix.Cell) { started <- c.Case.Name }
	s.CellDone = func(c *matrix.Cell, _ *results.Cell) { done <- c.Case.Name }
	return started, done
}

// await returns the next name on ch, failing the test after a second.
func await(t *testing.T, ch chan string, what string) string {
	t.Helper()
	select {
	case name := <-ch:
		return name
	case <-time.After(time.Second):
		t.Fatalf("no %s within a second", what)
		return ""
	}
}

// The cells of the first batch are built and run while the second is
// awaited: cell a finishes before b's toolchain "arrives".
func TestRunAsReadyOverlaps(t *testing.T) {
	f := newFake(2)
	cells := []*matrix.Cell{cell("a", "go1.13.15", 1), cell("b", "go1.14.15", 1), cell("skipped", "go1.14.15", 1)}
	cells[2].Skip = "no toolchain"
	s := f.scheduler()
	_, done := watch(s)
	ready := make(chan []int, 2)
	ready <- []int{0}
	var out []*results.Cell
	var err error
	finished := make(chan struct{})
	go func() { out, err = s.RunAsReady(context.Background(), cells, ready); close(finished) }()
	if got := await(t, done, "cell done"); got != "a" {
		t.Fatalf("first cell done: %s, want a", got)
	}
	ready <- []int{1, 2}
	close(ready)
	<-finished
	if err != nil || strings.Join(outcomes(out), " ") != "complete complete skip" {
		t.Errorf("outcomes %v, %v; want complete complete skip", outcomes(out), err)
	}
	if a, b := f.byName("run", "a"), f.byName("build", "b"); a.end > b.start {
		t.Error("a's run ended after b's build started: the first batch waited for the second")
	}
}

// A timed cell's runs wait until no more cells are to come, while the
// others run at once.
func TestRunAsReadyTimedWaits(t *testing.T) {
	f := newFake(2)
	timed, plain := cell("timed", "go1.26.8", 1), cell("plain", "go1.26.8", 1)
	timed.Timed = true
	s := f.scheduler()
	started, done := watch(s)
	ready := make(chan []int, 1)
	ready <- []int{0, 1}
	finished := make(chan struct{})
	go func() { s.RunAsReady(context.Background(), []*matrix.Cell{timed, plain}, ready); close(finished) }()
	if got := await(t, done, "cell done"); got != "plain" {
		t.Fatalf("first cell done: %s, want plain", got)
	}
	time.Sleep(20 * time.Millisecond)
	select {
	case name := <-started:
		if name == "timed" {
			t.Fatal("the timed cell started while more cells could come")
		}
	default:
	}
	close(ready)
	<-finished
	if f.byName("run", "timed") == nil {
		t.Error("the timed cell never ran")
	}
}

// Cancelled while a batch is awaited, RunAsReady returns ctx's error at
// once, with the cells that never came nil.
func TestRunAsReadyCancel(t *testing.T) {
	f := newFake(1)
	ctx, cancel := context.WithCancel(context.Background())
	s := f.scheduler()
	_, done := watch(s)
	ready := make(chan []int, 1)
	ready <- []int{0}
	go func() { await(t, done, "cell done"); cancel() }()
	out, err := s.RunAsReady(ctx, []*matrix.Cell{cell("a", "go1.13.15", 1), cell("b", "go1.14.15", 1)}, ready)
	if !errors.Is(err, context.Canceled) || strings.Join(outcomes(out), " ") != "complete nil" {
		t.Errorf("outcomes %v, %v; want complete nil, context.Canceled", outcomes(out), err)
	}
	checkStopped(t, f)
}

// The timeline holds every build, and the runs in batches, on the cores
// they held, never two at once on one core; a build that rebuilds its
// toolchain first is a variant span on every core, reported to Rebuilt.
func TestTimeline(t *testing.T) {
	f := newFake(2)
	wide := cell("wide", "go1.13.15", 1)
	wide.GOEXPERIMENT = "preemptibleloops"
	cells := []*matrix.Cell{cell("a", "go1.20.14", 1), wide, cell("b", "go1.20.14", 0)}
	cells[0].Repeat = 3
	s := f.scheduler()
	s.RebuildForExperiments = true
	s.Timeline = NewTimeline()
	var mu sync.Mutex
	var rebuilt []results.Rebuild
	s.Rebuilt = func(r results.Rebuild) { mu.Lock(); rebuilt = append(rebuilt, r); mu.Unlock() }
	if _, err := s.Run(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	d := s.Timeline.Data()
	kinds := map[string]int{}
	for i, a := range d.Spans {
		kinds[a.Kind]++
		if a.EndMS < a.StartMS || len(a.Cores) == 0 {
			t.Errorf("span %+v: no cores, or ends before it starts", a)
		}
		for _, b := range d.Spans[i+1:] {
			if shareCore(a, b) && a.StartMS < b.EndMS && b.StartMS < a.EndMS {
				t.Errorf("%s %s and %s %s held a core at once", a.Kind, a.What, b.Kind, b.What)
			}
		}
		if a.Kind == SpanRuns {
			kinds["run"] += runsIn(t, a)
		}
	}
	// b's run holds both cores: a batch on each.
	if kinds[SpanBuild] != 2 || kinds[SpanVariant] != 1 || kinds["run"] != 6 || d.Cores != 2 {
		t.Errorf("spans by kind %v on %d cores; want 2 builds, 1 variant, 6 runs (one on 2 cores) on 2", kinds, d.Cores)
	}
	if len(rebuilt) != 1 || rebuilt[0].Go != "go1.13.15" || rebuilt[0].GOEXPERIMENT != "preemptibleloops" {
		t.Errorf("Rebuilt got %+v, want go1.13.15 with preemptibleloops once", rebuilt)
	}
}

// runsIn returns how many runs a batch holds.
func runsIn(t *testing.T, s Span) int {
	var n int
	if _, err := fmt.Sscanf(s.What, "%d run", &n); err != nil {
		t.Errorf("batch %q: %v", s.What, err)
	}
	return n
}

// Runs that follow each other on a core make one batch; a pause, or
// other work, starts another.
func TestTimelineBatches(t *testing.T) {
	tl := NewTimeline()
	at := func(ms int) time.Time { return tl.start.Add(time.Duration(ms) * time.Millisecond) }
	tl.Add(SpanRuns, "x", []int{0}, at(0), at(10))
	tl.Add(SpanRuns, "x", []int{0, 1}, at(12), at(20))
	tl.Add(SpanRuns, "x", []int{0}, at(21), at(30))
	tl.Add(SpanRuns, "x", []int{0}, at(500), at(510)) // after a pause
	tl.Add(SpanBuild, "b", []int{1}, at(30), at(40))
	var got []string
	for _, s := range tl.Data().Spans {
		got = append(got, fmt.Sprintf("%s %v %.0f-%.0f %s", s.Kind, s.Cores, s.StartMS, s.EndMS, s.What))
	}
	want := []string{"runs [0] 0-30 3 runs", "runs [1] 12-20 1 run", "build [1] 30-40 b", "runs [0] 500-510 1 run"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("spans:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func shareCore(a, b Span) bool {
	for _, c := range a.Cores {
		if slices.Contains(b.Cores, c) {
			return true
		}
	}
	return false
}

func TestChart(t *testing.T) {
	for _, tc := range []struct {
		name string
		tl   TimelineData
		want []string // the rows, without the header and the axis
	}{
		{"empty", TimelineData{Cores: 2}, nil},
		{"phases", TimelineData{Cores: 2, Spans: []Span{
			{Kind: SpanFetch, StartMS: 0, EndMS: 2000},
			{Kind: SpanFetch, StartMS: 0, EndMS: 4000},
			{Kind: SpanFetch, StartMS: 2000, EndMS: 3000},
			{Kind: SpanVariant, Cores: []int{0, 1}, StartMS: 2000, EndMS: 6000},
			{Kind: SpanBuild, Cores: []int{0}, StartMS: 6000, EndMS: 7000},
			{Kind: SpanRuns, Cores: []int{0}, StartMS: 7000, EndMS: 8000},
			{Kind: SpanRuns, Cores: []int{1}, StartMS: 7000, EndMS: 7400},
		}}, []string{
			"core 0 |..VVVVBR|",
			"core 1 |..VVVV..|",
			"net 0  |DDD.....|",
			"net 1  |DDDD....|",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Chart(&tc.tl, 8)
			if tc.want == nil {
				if got != "(no work recorded)\n" {
					t.Errorf("Chart = %q", got)
				}
				return
			}
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if rows := lines[1 : len(lines)-1]; strings.Join(rows, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Chart rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A batch's builds share the cores with the chains of earlier batches
// not built yet: two chains on 4 cores take every core each, but two
// more coming while they build make each take one.
func TestRunAsReadyBuildCores(t *testing.T) {
	f := newFake(4)
	f.buildTime = map[string]time.Duration{"a": 30 * time.Millisecond, "b": 30 * time.Millisecond}
	cells := []*matrix.Cell{cell("a", "go1.20.14", 1), cell("b", "go1.21.13", 1), cell("c", "go1.22.12", 1), cell("d", "go1.23.12", 1)}
	ready := make(chan []int, 2)
	ready <- []int{0, 1}
	go func() {
		for f.byName("build", "a") == nil {
			time.Sleep(time.Millisecond)
		}
		ready <- []int{2, 3}
		close(ready)
	}()
	if _, err := f.scheduler().RunAsReady(context.Background(), cells, ready); err != nil {
		t.Fatal(err)
	}
	for name, procs := range map[string]int{"a": 0, "b": 0, "c": 1, "d": 1} {
		if iv := f.byName("build", name); iv == nil || iv.procs != procs {
			t.Errorf("build of %s: %+v, want -p %d", name, iv, procs)
		}
	}
}
