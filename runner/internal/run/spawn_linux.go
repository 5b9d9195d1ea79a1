package run

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// setPdeathsig asks the kernel to SIGKILL the cell's main process when the
// runner dies, even by SIGKILL.
func setPdeathsig(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// The parent-death signal is sent when the *thread* that forked the child
// exits, not when the process does (prctl(2); golang/go#27505). The Go
// runtime moves goroutines between threads and ends a thread whose locked
// goroutine returns, so a child started from an arbitrary goroutine can be
// killed at a random moment. Every cell is therefore started from one
// goroutine that locks its thread and never returns: that thread lives as
// long as the runner. Starting is serialised, which costs little (a start is
// a vfork and an exec) and also means no two of our forks race.
var spawner struct {
	once sync.Once
	reqs chan *spawnReq
}

type spawnReq struct {
	cmd     *exec.Cmd
	at      time.Time // just before the start
	started time.Time // when it had started (exec succeeded)
	err     error
	done    chan struct{}
}

// spawn starts cmd on the spawner thread and returns when it was started:
// at is taken just before the start, so a runner slowed down by load does
// not shorten the times measured from it; spawned is how long the start took.
func spawn(cmd *exec.Cmd) (at time.Time, spawned time.Duration, err error) {
	spawner.once.Do(func() {
		spawner.reqs = make(chan *spawnReq)
		go spawnLoop(spawner.reqs)
	})
	r := &spawnReq{cmd: cmd, done: make(chan struct{})}
	spawner.reqs <- r
	<-r.done
	return r.at, r.started.Sub(r.at), r.err
}

func spawnLoop(reqs <-chan *spawnReq) {
	runtime.LockOSThread() // never unlocked, and this goroutine never returns
	for r := range reqs {
		r.at = time.Now()
		r.err = r.cmd.Start()
		r.started = time.Now()
		close(r.done)
	}
}
