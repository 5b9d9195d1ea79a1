package scheduler

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// A class is a kind of job. Jobs of different classes never run at the
// same time: builds never run next to runs (see the package doc).
type class int

const (
	runClass class = iota
	buildClass
)

// A job is a unit of work that holds weight cores while it runs.
type job struct {
	class  class
	weight int
	cost   int64 // higher runs first; ties keep the order jobs were added
	// reserve keeps cheaper jobs from starting past this one while it
	// waits, for cores or for the jobs of another class to finish, so a
	// wide job (a toolchain rebuild takes every core) is not starved by a
	// stream of narrow ones, nor a build by a stream of runs.
	reserve bool
	seq     int
	run     func()
	// kind and what name the job in the timeline (Span).
	kind, what string
}

// A dispatcher runs jobs on a fixed number of cores: the most expensive
// job that can start does whenever cores free up, so cheap jobs fill the
// gaps next to expensive ones, and jobs may add more jobs while they run.
// A job can start when its cores are free and no job of another class is
// running. While the dispatcher is held (hold), more jobs may come from
// outside: wait does not return until it is released.
type dispatcher struct {
	mu      sync.Mutex
	cores   int
	free    int
	busy    []bool // by core: held by a running job
	queue   []*job // sorted: cost descending, then seq
	running map[class]int
	holds   int
	seq     int
	wake    chan struct{}
	// timeline, when set, records each job as it ends.
	timeline *Timeline
}

func newDispatcher(cores int) *dispatcher {
	return &dispatcher{cores: cores, free: cores, busy: make([]bool, cores), running: map[class]int{}, wake: make(chan struct{}, 1)}
}

// hold keeps wait from returning, though no job is queued or running,
// until release: jobs are still to come from outside.
func (d *dispatcher) hold() {
	d.mu.Lock()
	d.holds++
	d.mu.Unlock()
}

func (d *dispatcher) release() {
	d.mu.Lock()
	d.holds--
	d.mu.Unlock()
	d.signal()
}

// add queues j; it may be called from a running job.
func (d *dispatcher) add(j *job) {
	d.mu.Lock()
	d.seq++
	j.seq = d.seq
	i := sort.Search(len(d.queue), func(i int) bool {
		q := d.queue[i]
		return q.cost < j.cost || q.cost == j.cost && q.seq > j.seq
	})
	d.queue = slices.Insert(d.queue, i, j)
	d.mu.Unlock()
	d.signal()
}

func (d *dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// wait runs jobs until none is queued or running and the dispatcher is
// not held. After ctx is cancelled it starts no more jobs and returns
// once the running ones have returned (they see the same ctx).
func (d *dispatcher) wait(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	done := ctx.Done()
	for {
		d.mu.Lock()
		if ctx.Err() == nil {
			d.startReady(&wg)
		}
		// Idle: no job running (they all hold a core), none to start,
		// none to come.
		idle := d.free == d.cores && (len(d.queue) == 0 && d.holds == 0 || ctx.Err() != nil)
		d.mu.Unlock()
		if idle {
			return
		}
		select {
		case <-d.wake:
		case <-done:
			done = nil // from now on, only wait for running jobs to return
		}
	}
}

// startReady starts, in queue order, every job that can start, up to the
// first one that reserves its place. d.mu is held.
func (d *dispatcher) startReady(wg *sync.WaitGroup) {
	for i := 0; i < len(d.queue); {
		j := d.queue[i]
		if !d.canStart(j) {
			if j.reserve {
				return
			}
			i++
			continue
		}
		d.queue = slices.Delete(d.queue, i, i+1)
		d.start(j, wg)
	}
}

// canStart reports whether j's cores are free and no job of another
// class is running. d.mu is held.
func (d *dispatcher) canStart(j *job) bool {
	if d.weight(j) > d.free {
		return false
	}
	for c, n := range d.running {
		if c != j.class && n > 0 {
			return false
		}
	}
	return true
}

// weight is the cores j holds: its weight, within 1 and all of them.
func (d *dispatcher) weight(j *job) int { return max(min(j.weight, d.cores), 1) }

// start runs j on a goroutine of its own, holding its cores. d.mu is held.
func (d *dispatcher) start(j *job, wg *sync.WaitGroup) {
	cores := d.take(d.weight(j))
	d.running[j.class]++
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		j.run()
		d.timeline.Add(j.kind, j.what, cores, start, time.Now())
		d.mu.Lock()
		d.give(cores)
		d.running[j.class]--
		d.mu.Unlock()
		d.signal()
	}()
}

// take marks the first n free cores busy and returns them. d.mu is held.
func (d *dispatcher) take(n int) []int {
	cores := make([]int, 0, n)
	for i := 0; i < len(d.busy) && len(cores) < n; i++ {
		if !d.busy[i] {
			d.busy[i] = true
			cores = append(cores, i)
		}
	}
	d.free -= n
	return cores
}

// give frees cores. d.mu is held.
func (d *dispatcher) give(cores []int) {
	for _, i := range cores {
		d.busy[i] = false
	}
	d.free += len(cores)
}
