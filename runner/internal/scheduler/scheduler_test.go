package scheduler

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A stepper drives a dispatcher's jobs by hand: each job reports its
// start and returns when the test releases it. It checks as jobs start
// that the cores in use stay within the dispatcher's, and that jobs of
// different classes never run at once.
type stepper struct {
	t       *testing.T
	d       *dispatcher
	started chan string
	release map[string]chan struct{}

	mu      sync.Mutex
	inUse   int
	running map[class]int
	wrong   []string // what the jobs saw go wrong as they started
}

func newStepper(t *testing.T, cores int) *stepper {
	return &stepper{t: t, d: newDispatcher(cores), started: make(chan string, 16), release: map[string]chan struct{}{}, running: map[class]int{}}
}

func (s *stepper) add(name string, c class, weight int, cost int64, reserve bool) {
	rel := make(chan struct{})
	s.release[name] = rel
	w := max(min(weight, s.d.cores), 1) // what the dispatcher holds for it
	s.d.add(&job{class: c, weight: weight, cost: cost, reserve: reserve, run: func() {
		s.mu.Lock()
		s.inUse += w
		if s.inUse > s.d.cores {
			s.wrong = append(s.wrong, fmt.Sprintf("%s started: %d cores in use, the dispatcher has %d", name, s.inUse, s.d.cores))
		}
		for other, n := range s.running {
			if other != c && n > 0 {
				s.wrong = append(s.wrong, fmt.Sprintf("%s started next to %d jobs of another class", name, n))
			}
		}
		s.running[c]++
		s.mu.Unlock()
		s.started <- name
		<-rel
		s.mu.Lock()
		s.inUse -= w
		s.running[c]--
		s.mu.Unlock()
	}})
}

// step releases the jobs named and returns the names of the next n jobs
// to start, sorted. It fails the test if a job started wrongly.
func (s *stepper) step(n int, release ...string) []string {
	s.t.Helper()
	for _, name := range release {
		close(s.release[name])
	}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, w := range s.wrong {
			s.t.Error(w)
		}
		s.wrong = nil
	}()
	var got []string
	for range n {
		select {
		case name := <-s.started:
			got = append(got, name)
		case <-time.After(5 * time.Second):
			s.t.Fatalf("released %v: %d jobs started, want %d", release, len(got), n)
		}
	}
	slices.Sort(got)
	return got
}

// The dispatcher never uses more cores than it has, starts the most
// expensive job that fits first, and fills gaps with cheaper ones.
func TestDispatcherWeightsAndOrder(t *testing.T) {
	s := newStepper(t, 2)
	s.add("cheap1", runClass, 1, 1, false)
	s.add("huge-weight", runClass, 8, 3, false) // clamped to the 2 cores
	s.add("big", runClass, 1, 10, false)
	s.add("wide", runClass, 2, 5, false)
	s.add("cheap2", runClass, 1, 1, false)
	done := make(chan struct{})
	go func() { s.d.wait(context.Background()); close(done) }()
	for _, st := range []struct {
		release []string
		want    string
	}{
		{nil, "big cheap1"},               // the most expensive, then the first that fits beside it
		{[]string{"big"}, "cheap2"},       // one core free: only a narrow job fits
		{[]string{"cheap1"}, ""},          // one core free again, and no narrow job left
		{[]string{"cheap2"}, "wide"},      // two: the wide job before the cheaper huge-weight
		{[]string{"wide"}, "huge-weight"}, // last
		{[]string{"huge-weight"}, ""},     // and nothing more
	} {
		want := strings.Fields(st.want)
		slices.Sort(want)
		if got := s.step(len(want), st.release...); !slices.Equal(got, want) {
			t.Fatalf("after releasing %v, started %v; want %v", st.release, got, want)
		}
	}
	<-done
	if len(s.started) > 0 {
		t.Errorf("%d more jobs started", len(s.started))
	}
}

// A job never starts next to a job of another class, even with cores
// free; a reserving job that waits for the other class keeps the jobs
// behind it from starting.
func TestDispatcherClasses(t *testing.T) {
	s := newStepper(t, 2)
	s.add("build1", buildClass, 1, 100, true)
	s.add("run1", runClass, 1, 1, false)
	done := make(chan struct{})
	go func() { s.d.wait(context.Background()); close(done) }()
	if got := s.step(1); !slices.Equal(got, []string{"build1"}) {
		t.Fatalf("started %v, want build1 alone (a core is free, but runs wait for builds)", got)
	}
	if got := s.step(1, "build1"); !slices.Equal(got, []string{"run1"}) {
		t.Fatalf("started %v, want run1", got)
	}
	// A build queued while a run runs waits for it, and so does the run
	// queued behind the build, though a core is free.
	s.add("build2", buildClass, 1, 100, true)
	s.add("run2", runClass, 1, 1, false)
	if got := s.step(1, "run1"); !slices.Equal(got, []string{"build2"}) {
		t.Fatalf("started %v, want build2 (run2 must not pass it)", got)
	}
	if got := s.step(1, "build2"); !slices.Equal(got, []string{"run2"}) {
		t.Fatalf("started %v, want run2", got)
	}
	s.step(0, "run2")
	<-done
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
		{Outcome: results.Hang, Reason: "timeout"},
		{Outcome: results.Complete, ExitCode: &code, CompletedAfter: 12 * time.Millisecond},
		{Outcome: results.Hang, Reason: "timeout"},
	})
	if r.Outcome != results.Hang || r.Runs != 3 || r.Counts["hang"] != 2 || r.Counts["complete"] != 1 || !r.Flaky {
		t.Errorf("fold = %+v", r)
	}
	r = &results.Cell{}
	fold(r, []run.Result{{Outcome: results.Complete, CompletedAfter: 5 * time.Millisecond}})
	if r.Outcome != results.Complete || r.Flaky || r.Counts != nil || r.CompleteMS == nil || *r.CompleteMS != 5 {
		t.Errorf("single run fold = %+v", r)
	}
	// A tie goes to the outcome listed first: complete before hang.
	r = &results.Cell{}
	fold(r, []run.Result{{Outcome: results.Hang}, {Outcome: results.Complete}})
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
	got := s.reproduce(testCell(), build.Result{GoLine: "1.13", GoMod: "module matrixcase/busy\n\ngo 1.13\n", Modules: 1})
	for _, want := range []string{
		`cp -R 'cases/busy loop'/. "$d"`,
		`printf '%b' 'module matrixcase/busy\n\ngo 1.13\n' > go.mod && go mod download && `,
		`GOEXPERIMENT=preemptibleloops "$gocmd" build -o /tmp/busy .`,
		`env GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 'X=y z' timeout -s QUIT 1.5 /tmp/busy 'a b' 'it'\''s'`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reproduce:\n%s\nwant it to contain:\n%s", got, want)
		}
	}
}

func TestCacheKey(t *testing.T) {
	a, b := testCell(), testCell()
	if CacheKey(a) != CacheKey(b) {
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
		if CacheKey(c) == CacheKey(a) {
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

func TestTestArgs(t *testing.T) {
	flags := matrix.TestFlags{Run: "^TestA$", Skip: "Slow", Count: 3, Short: true, CPU: "1,2", Flags: []string{"-test.benchtime=1x"}}
	for v, want := range map[string]string{
		"go1.13.15": "-test.v -test.timeout=0 -test.run=^TestA$ -test.skip=Slow -test.cpu=1,2 -test.count=3 -test.short -test.benchtime=1x",
		"go1.26.8":  "-test.v -test.timeout=0 -test.paniconexit0 -test.run=^TestA$ -test.skip=Slow -test.cpu=1,2 -test.count=3 -test.short -test.benchtime=1x",
	} {
		if got := strings.Join(TestArgs(flags, v), " "); got != want {
			t.Errorf("%s: %s\nwant %s", v, got, want)
		}
	}
	if got := strings.Join(TestArgs(matrix.TestFlags{}, "go1.16.0"), " "); got != "-test.v -test.timeout=0 -test.paniconexit0" {
		t.Errorf("no flags: %s", got)
	}
}
