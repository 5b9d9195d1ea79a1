package scheduler

import (
	"context"
	"sort"
	"sync"
)

// A job is a unit of work that holds weight cores while it runs.
type job struct {
	weight int
	cost   int64 // higher runs first; ties keep the order jobs were added
	// reserve keeps cheaper jobs from starting past this one while it
	// waits for cores, so a wide job (a toolchain rebuild takes every
	// core) is not starved by a stream of narrow ones.
	reserve bool
	seq     int
	run     func()
}

// A dispatcher runs jobs on a fixed number of cores: the most expensive
// job that fits in the free cores starts whenever cores free up, so
// cheap jobs fill the gaps next to expensive ones, and jobs may add more
// jobs while they run.
type dispatcher struct {
	mu      sync.Mutex
	cores   int
	free    int
	queue   []*job // sorted: cost descending, then seq
	running int
	seq     int
	wake    chan struct{}
}

func newDispatcher(cores int) *dispatcher {
	return &dispatcher{cores: cores, free: cores, wake: make(chan struct{}, 1)}
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
	d.queue = append(d.queue, nil)
	copy(d.queue[i+1:], d.queue[i:])
	d.queue[i] = j
	d.mu.Unlock()
	d.signal()
}

func (d *dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// wait runs jobs until none is queued or running. After ctx is
// cancelled it starts no more jobs and returns once the running ones
// have returned (they see the same ctx).
func (d *dispatcher) wait(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	done := ctx.Done()
	for {
		d.mu.Lock()
		if ctx.Err() == nil {
			for i := 0; i < len(d.queue); {
				j := d.queue[i]
				w := max(min(j.weight, d.cores), 1)
				if w > d.free {
					if j.reserve {
						break
					}
					i++
					continue
				}
				d.queue = append(d.queue[:i], d.queue[i+1:]...)
				d.free -= w
				d.running++
				wg.Add(1)
				go func() {
					defer wg.Done()
					j.run()
					d.mu.Lock()
					d.free += w
					d.running--
					d.mu.Unlock()
					d.signal()
				}()
			}
		}
		idle := d.running == 0 && (len(d.queue) == 0 || ctx.Err() != nil)
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
