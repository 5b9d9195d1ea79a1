package scheduler

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gomatrix/runner/internal/build"
	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/results"
	"gomatrix/runner/internal/run"
	"gomatrix/runner/internal/toolchain"
)

// The dispatcher never uses more cores than it has, starts the most
// expensive job that fits first, and fills gaps with cheaper ones.
func TestDispatcherWeightsAndOrder(t *testing.T) {
	d := newDispatcher(2)
	var mu sync.Mutex
	inUse, peak := 0, 0
	var order []string
	mk := func(name string, weight int, cost int64) *job {
		w := min(weight, 2) // what the dispatcher holds for it
		return &job{weight: weight, cost: cost, run: func() {
			mu.Lock()
			inUse += w
			peak = max(peak, inUse)
			order = append(order, name)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inUse -= w
			mu.Unlock()
		}}
	}
	d.add(mk("cheap1", 1, 1))
	d.add(mk("wide", 2, 5))
	d.add(mk("big", 1, 10))
	d.add(mk("huge-weight", 8, 3)) // clamped to the 2 cores
	d.add(mk("cheap2", 1, 1))
	d.wait(context.Background())
	if peak > 2 {
		t.Errorf("peak cores in use %d > 2", peak)
	}
	if len(order) != 5 {
		t.Errorf("ran %v", order)
	}
}

func TestDispatcherOrder(t *testing.T) {
	d := newDispatcher(1)
	var order []string
	for _, j := range []struct {
		name string
		cost int64
	}{{"a", 1}, {"b", 5}, {"c", 10}, {"d", 5}, {"e", 1}} {
		d.add(&job{weight: 1, cost: j.cost, run: func() { order = append(order, j.name) }})
	}
	d.wait(context.Background())
	if got := strings.Join(order, ""); got != "cbdae" {
		t.Errorf("order %s, want cbdae (cost descending, then as added)", got)
	}
}

func TestDispatcherAddFromJob(t *testing.T) {
	d := newDispatcher(1)
	n := 0
	var add func(i int)
	add = func(i int) {
		d.add(&job{weight: 1, run: func() {
			n++
			if i < 10 {
				add(i + 1)
			}
		}})
	}
	add(0)
	d.wait(context.Background())
	if n != 11 {
		t.Errorf("ran %d jobs, want 11", n)
	}
}

func TestDispatcherCancel(t *testing.T) {
	d := newDispatcher(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := 0
	for range 5 {
		d.add(&job{weight: 1, run: func() {
			ran++
			cancel()
			<-ctx.Done()
		}})
	}
	done := make(chan struct{})
	go func() { d.wait(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("wait did not return after cancel")
	}
	if ran != 1 {
		t.Errorf("%d jobs ran after cancel, want 1", ran)
	}
}

func TestFold(t *testing.T) {
	code := 0
	r := &results.Cell{}
	fold(r, []run.Result{
		{Outcome: run.OutcomeHang, Reason: "timeout"},
		{Outcome: run.OutcomeComplete, ExitCode: &code, CompletedAfter: 12 * time.Millisecond},
		{Outcome: run.OutcomeHang, Reason: "timeout"},
	})
	if r.Outcome != results.Hang || r.Runs != 3 || r.Counts["hang"] != 2 || r.Counts["complete"] != 1 || !r.Flaky {
		t.Errorf("fold = %+v", r)
	}
	r = &results.Cell{}
	fold(r, []run.Result{{Outcome: run.OutcomeComplete, CompletedAfter: 5 * time.Millisecond}})
	if r.Outcome != results.Complete || r.Flaky || r.Counts != nil || r.CompleteMS == nil || *r.CompleteMS != 5 {
		t.Errorf("single run fold = %+v", r)
	}
	// A tie goes to the outcome listed first: complete before hang.
	r = &results.Cell{}
	fold(r, []run.Result{{Outcome: run.OutcomeHang}, {Outcome: run.OutcomeComplete}})
	if r.Outcome != results.Complete || !r.Flaky {
		t.Errorf("tie fold = %+v", r)
	}
}

func testCell() *matrix.Cell {
	return &matrix.Cell{
		Case:       &matrix.Case{Name: "busy", Rel: "cases/busy loop", Dir: "/m/cases/busy loop", Args: []string{"a b", "it's"}, CompleteOn: regexp.MustCompile("^hi$")},
		Toolchain:  toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15", GOROOT: "/sdk/go1.13.15"},
		GOMAXPROCS: 1, GODEBUG: "asyncpreemptoff=1", GOEXPERIMENT: "preemptibleloops",
		Env: []string{"X=y z"}, Timeout: 1500 * time.Millisecond, Repeat: 1,
	}
}

func TestReproduceQuotes(t *testing.T) {
	s := &Scheduler{}
	got := s.reproduce(testCell(), build.Result{GoLine: "1.13"})
	for _, want := range []string{
		`cp -R 'cases/busy loop'/. "$d"`,
		`printf 'module matrixcase\n\ngo 1.13\n' > go.mod`,
		`GOEXPERIMENT=preemptibleloops /sdk/go1.13.15/bin/go build -o /tmp/busy .`,
		`env GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 'X=y z' timeout -s QUIT 1.5 /tmp/busy 'a b' 'it'\''s'`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reproduce:\n%s\nwant it to contain:\n%s", got, want)
		}
	}
}

func TestCellKey(t *testing.T) {
	a, b := testCell(), testCell()
	if CellKey(a) != CellKey(b) {
		t.Fatal("equal cells, different keys")
	}
	for _, change := range []func(c *matrix.Cell){
		func(c *matrix.Cell) { c.GOMAXPROCS = 2 },
		func(c *matrix.Cell) { c.GODEBUG = "" },
		func(c *matrix.Cell) { c.GOEXPERIMENT = "" },
		func(c *matrix.Cell) { c.Timeout = time.Second },
		func(c *matrix.Cell) { c.Repeat = 3 },
		func(c *matrix.Cell) { c.Env = nil },
		func(c *matrix.Cell) { c.Toolchain.Version = "go1.14.15" },
		func(c *matrix.Cell) { c.Case = &matrix.Case{Name: "busy", Dir: "/m/cases/busy loop", Hash: "edited"} },
	} {
		c := testCell()
		change(c)
		if CellKey(c) == CellKey(a) {
			t.Errorf("a change did not change the key: %+v", c)
		}
	}
}

func TestRunEnv(t *testing.T) {
	c := testCell()
	env := strings.Join(RunEnv(c, "/cache"), "\n")
	for _, want := range []string{"GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1", "X=y z", "GOROOT=/sdk/go1.13.15", "GOFLAGS=", "GOTOOLCHAIN=local"} {
		if !strings.Contains(env, want+"\n") && !strings.HasSuffix(env, want) {
			t.Errorf("run env lacks %q:\n%s", want, env)
		}
	}
	if strings.Contains(env, "GOEXPERIMENT") {
		t.Error("GOEXPERIMENT is a build setting; it must not reach the run")
	}
	c.GOMAXPROCS, c.GODEBUG = 0, ""
	env = strings.Join(RunEnv(c, "/cache"), "\n")
	if strings.Contains(env, "GOMAXPROCS") || strings.Contains(env, "GODEBUG") {
		t.Errorf("unset axes reached the environment:\n%s", env)
	}
}

// A job that reserves its place is not starved by narrower jobs behind it.
func TestDispatcherReserve(t *testing.T) {
	d := newDispatcher(2)
	var mu sync.Mutex
	var order []string
	rec := func(name string) func() {
		return func() {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}
	d.add(&job{weight: 1, cost: 100, run: rec("first")})
	d.add(&job{weight: 2, cost: 50, reserve: true, run: rec("wide")})
	for range 4 {
		d.add(&job{weight: 1, cost: 10, run: rec("narrow")})
	}
	d.wait(context.Background())
	if len(order) != 6 || order[0] != "first" || order[1] != "wide" {
		t.Errorf("order %v: want first, then wide before any narrow job", order)
	}
}
