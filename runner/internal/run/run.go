package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Defaults for the zero values of a Spec.
const (
	DefaultGrace       = 2 * time.Second
	DefaultOutputLimit = 64 << 10
)

const (
	// drainTimeout bounds how long output is still read after the main
	// process is gone and its group killed: a descendant that escaped the
	// group may hold a pipe open forever.
	drainTimeout = 150 * time.Millisecond
	// holderDelay is how long the drain waits before looking for escaped
	// processes that hold the pipes (Linux).
	holderDelay = 10 * time.Millisecond
	// memPollInterval is how often the RSS is read when a MemoryLimit is set.
	memPollInterval = 25 * time.Millisecond
	// maxLine bounds the bytes of one line that CompleteOn and the
	// fatal-line detection see; the rest of a longer line is skipped.
	maxLine = 64 << 10
)

// A Spec says how to run one cell's binary.
type Spec struct {
	// Path is the built binary, executed directly (never `go run`, never a shell).
	Path string
	// Args are the arguments after the program name.
	Args []string
	// Dir is the working directory; "" means the runner's.
	Dir string
	// Env is the complete environment, used as is: nil means an empty one.
	Env []string
	// Timeout is the run timeout, counted from the moment the process has
	// started (never build time). It must be positive.
	Timeout time.Duration
	// CompleteOn, if set, completes the cell as soon as a line of output
	// matches it; the process group is then killed at once. If nil, the
	// cell completes on exit status 0.
	CompleteOn *regexp.Regexp
	// CompleteStream is the stream CompleteOn is matched against:
	// "stdout", "stderr", or "" for both.
	CompleteStream string
	// Grace is how long to wait, after SIGQUIT on timeout, for the goroutine
	// dump and the exit before SIGKILL (default DefaultGrace).
	Grace time.Duration
	// OutputLimit is the number of bytes kept of the head and, separately,
	// of the tail of each stream (default DefaultOutputLimit).
	OutputLimit int
	// MemoryLimit is a bound on the resident memory, in bytes, of the
	// process and its group; 0 means none. It is enforced on Linux only.
	MemoryLimit int64
	// Lines, if set, receives every line of stdout, in order, as it
	// arrives (at most maxLine bytes of each; the slice is reused after
	// the call): a test binary's -test.v output is parsed as it goes, not
	// from the bounded excerpt kept.
	Lines func(line []byte)
}

// A Result is what one run of a cell's binary came to.
type Result struct {
	// Outcome is results.Complete, results.Hang or results.Fail.
	Outcome string `json:"outcome"`
	// Reason says in one line why, e.g. `output matched "^hi$"`,
	// "exit status 2", "killed by SIGSEGV", "timeout after 2s".
	Reason string `json:"reason"`
	// PID is the process id the binary ran as.
	PID int `json:"pid,omitempty"`
	// ExitCode is nil when the process was killed by a signal.
	ExitCode *int `json:"exit_code,omitempty"`
	// Signal is the signal that ended the process ("SIGKILL", "SIGSEGV");
	// for a hang, the last one the runner sent.
	Signal string `json:"signal,omitempty"`
	// Duration runs from the start until the exit of the process was seen
	// (see "Timing" in the package documentation).
	Duration time.Duration `json:"duration_ns"`
	// CompletedAfter runs from the start until the matching line was read
	// or the exit status 0 was seen; it is 0 unless the outcome is
	// complete. It is never shorter than the interval the program itself
	// can measure from its first instruction to its write of the line.
	CompletedAfter time.Duration `json:"completed_after_ns,omitempty"`
	// Spawn is how long starting the binary took, from the start that
	// Duration and CompletedAfter count from until exec had succeeded:
	// at most this much of them passed before the program's first
	// instruction.
	Spawn time.Duration `json:"spawn_ns,omitempty"`
	// Stdout and Stderr are what was kept of each stream: the head and
	// the tail, Spec.OutputLimit bytes each.
	Stdout results.Output `json:"stdout"`
	Stderr results.Output `json:"stderr"`
	// GoroutineDump is what the Go runtime printed to stderr after the
	// runner's SIGQUIT on timeout, from the first "goroutine N [" line on.
	GoroutineDump string `json:"goroutine_dump,omitempty"`
	// FatalLine is the first line of stderr, before any SIGQUIT of ours,
	// in which the Go runtime reports a fatal error ("panic: ...",
	// "fatal error: ...", "runtime: ...", "SIGSEGV: ...").
	FatalLine string `json:"fatal_line,omitempty"`
	// Leftovers counts the other processes of the cell (forked children,
	// grandchildren) that were still alive when it ended and were killed.
	Leftovers int `json:"leftovers,omitempty"`
	// Tests are the tests a test binary ran, when the caller parsed
	// them (see package gotest).
	Tests []results.Test `json:"tests,omitempty"`
	// MaxRSS is the peak resident memory of the main process in bytes, as
	// the OS accounts it at exit (0 where unknown).
	MaxRSS int64 `json:"max_rss,omitempty"`
}

// withDefaults fills the zero values of s and checks the rest.
func (s Spec) withDefaults() (Spec, error) {
	if s.Path == "" {
		return s, errors.New("run cell: spec has no path")
	}
	if s.Timeout <= 0 {
		return s, fmt.Errorf("run cell %s: timeout %v is not positive", s.Path, s.Timeout)
	}
	switch s.CompleteStream {
	case "", "stdout", "stderr":
	default:
		return s, fmt.Errorf("run cell %s: unknown stream %q for CompleteOn (want stdout, stderr or empty)", s.Path, s.CompleteStream)
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.OutputLimit <= 0 {
		s.OutputLimit = DefaultOutputLimit
	}
	if s.Env == nil {
		s.Env = []string{}
	}
	return s, nil
}

// Cell runs the binary s describes and classifies the run.
//
// The error is non-nil only when the process could not be started, or when
// ctx was cancelled before the run was decided: then every process of the
// cell has been killed and reaped, and the error is ctx.Err().
func Cell(ctx context.Context, s Spec) (Result, error) {
	s, err := s.withDefaults()
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("run cell: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Result{}, fmt.Errorf("run cell: %w", err)
	}
	p := &proc{cmd: &exec.Cmd{
		Path:   s.Path,
		Args:   append([]string{s.Path}, s.Args...),
		Dir:    s.Dir,
		Env:    s.Env,
		Stdout: outW,
		Stderr: errW,
	}}
	p.configure()
	err = p.startProcess()
	// The child has its own copies; ours must go for EOF to come.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return Result{}, fmt.Errorf("run cell: %w", err)
	}
	c := &cell{spec: s, p: p}
	return c.run(ctx, outR, errR)
}

// A proc is the main process of a cell, and what the OS lets us know of the
// other processes it started.
type proc struct {
	// cmd is the cell's binary: started by the runner itself, or, when
	// sup is set, described to the supervisor that starts it (then
	// cmd.Process stays nil).
	cmd    *exec.Cmd
	sup    *supervisorProc
	pid    int
	start  time.Time     // just before the process was started
	spawn  time.Duration // from start until exec had succeeded
	reaped bool          // the main process has been waited for
	left   map[int]bool
	leftN  int // leftovers known by count only (Windows job objects)
	sysProc
}

// An exit is how the main process of a cell ended.
type exit struct {
	at     time.Time // when its end was seen
	code   *int      // nil when a signal ended it
	signal string
	maxRSS int64 // bytes, 0 where unknown
	err    error // the wait itself failed: nothing else is known
}

// waitCmd waits for the process the runner started itself.
func (p *proc) waitCmd() exit {
	err := p.cmd.Wait()
	e := exit{at: time.Now()}
	ps := p.cmd.ProcessState
	if ps == nil {
		e.err = err
		return e
	}
	e.code, e.signal = exitStatus(ps)
	e.maxRSS = maxRSS(ps)
	return e
}

// leftovers counts the other processes of the cell that were killed.
func (p *proc) leftovers() int { return len(p.left) + p.leftN }

// A cell is the state of one run while it is under way.
type cell struct {
	spec Spec
	p    *proc

	stdout, stderr *stream

	// What the run loop saw; classify turns these into an outcome.
	decided  string // "", "marker", "timeout", "memory": what ended the run first
	markerAt time.Time
	quitSent bool // SIGQUIT sent on timeout
	killSent bool // SIGKILL sent on timeout, after Grace
	exit     exit
}

type marker struct{ at time.Time }

func (c *cell) run(ctx context.Context, outR, errR *os.File) (Result, error) {
	s, p := c.spec, c.p
	// Timers count from the start the spawner recorded, not from now.
	deadline := time.NewTimer(s.Timeout - time.Since(p.start))
	defer deadline.Stop()
	marks := c.startReaders(outR, errR)
	waitDone := make(chan struct{})
	go func() {
		c.exit = p.wait()
		close(waitDone)
	}()
	var memTick <-chan time.Time
	if s.MemoryLimit > 0 && canPollRSS {
		t := time.NewTicker(memPollInterval)
		defer t.Stop()
		memTick = t.C
	}
	cancelled := c.loop(ctx, deadline.C, marks, memTick, waitDone)
	<-waitDone
	p.reaped = true
	p.finish()
	c.drain()
	p.release()
	if cancelled != nil {
		return Result{}, cancelled
	}
	return c.result(), nil
}

// startReaders starts reading the process's output; the returned channel
// receives the time a line matched the spec's CompleteOn.
func (c *cell) startReaders(outR, errR *os.File) <-chan marker {
	s := c.spec
	marks := make(chan marker, 2)
	onMatch := func(at time.Time) {
		select {
		case marks <- marker{at}:
		default:
		}
	}
	var outMatch, errMatch *regexp.Regexp
	if s.CompleteOn != nil {
		if s.CompleteStream != "stderr" {
			outMatch = s.CompleteOn
		}
		if s.CompleteStream != "stdout" {
			errMatch = s.CompleteOn
		}
	}
	c.stdout = newStream(outR, s.OutputLimit, outMatch, onMatch, false)
	c.stdout.lines = s.Lines
	c.stderr = newStream(errR, s.OutputLimit, errMatch, onMatch, true)
	go c.stdout.read()
	go c.stderr.read()
	return marks
}

// loop waits for what ends the run first — the marker, the exit, the
// deadline, the memory limit or ctx — and acts on it. It returns ctx's
// error when ctx ended it; the main process has then been waited for.
func (c *cell) loop(ctx context.Context, deadline <-chan time.Time, marks <-chan marker, memTick <-chan time.Time, waitDone <-chan struct{}) error {
	var graceC <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			c.p.end()
			<-waitDone
			return ctx.Err()
		case m := <-marks:
			c.complete(m)
		case <-deadline:
			// A line read, or an exit, just before the deadline wins
			// even if select saw the deadline first.
			select {
			case m := <-marks:
				c.complete(m)
			default:
			}
			if exited(waitDone) || c.decided != "" {
				return nil
			}
			graceC = c.timeout()
		case <-graceC:
			c.killSent = true
			c.p.end()
		case <-memTick:
			if c.decided == "" && c.p.rss() > c.spec.MemoryLimit {
				c.decided = "memory"
				c.p.end()
			}
		case <-waitDone:
			return nil
		}
	}
}

// complete ends the run at the marker m, unless something ended it first.
func (c *cell) complete(m marker) {
	if c.decided == "" {
		c.decided = "marker"
		c.markerAt = m.at
		c.p.end()
	}
}

// timeout ends a run that reached its deadline: SIGQUIT for a goroutine
// dump, then SIGKILL after the grace period the returned channel says is
// over (nil when SIGQUIT could not be sent and the group was killed).
func (c *cell) timeout() <-chan time.Time {
	c.decided = "timeout"
	// The runtime exits after its dump: children it leaves behind must be
	// known before they are orphaned.
	c.p.track()
	c.stderr.markDump()
	if c.p.quit() {
		c.quitSent = true
		return time.After(c.spec.Grace)
	}
	c.killSent = true
	c.p.end()
	return nil
}

// exited reports whether the wait for the main process is over.
func exited(waitDone <-chan struct{}) bool {
	select {
	case <-waitDone:
		return true
	default:
		return false
	}
}

// drain reads what is left in the pipes once every process we could find is
// gone, for at most drainTimeout, then closes them.
func (c *cell) drain() {
	// both waits for both readers to be done, or for t.
	both := func(t <-chan time.Time) bool {
		for _, done := range []chan struct{}{c.stdout.done, c.stderr.done} {
			select {
			case <-done:
			case <-t:
				return false
			}
		}
		return true
	}
	t := time.NewTimer(holderDelay)
	defer t.Stop()
	if both(t.C) {
		return
	}
	// Someone outside the process group still holds a pipe open.
	c.p.killPipeHolders(c.stdout.f, c.stderr.f)
	t.Reset(drainTimeout - holderDelay)
	if !both(t.C) {
		c.stdout.stop()
		c.stderr.stop()
	}
}

func (c *cell) result() Result {
	s, p := c.spec, c.p
	f := facts{
		pattern:  s.CompleteOn,
		decided:  c.decided,
		timeout:  s.Timeout,
		memLimit: s.MemoryLimit,
	}
	f.code, f.signal, f.waitErr = c.exit.code, c.exit.signal, c.exit.err
	// A line that matched after the exit was seen (it was still in the
	// pipe) still completes the cell, unless the run was decided otherwise.
	outAt, errAt := c.stdout.matchedAt(), c.stderr.matchedAt()
	markAt := earliest(outAt, errAt)
	if c.decided == "" && !markAt.IsZero() {
		f.decided = "marker"
		c.markerAt = markAt
	}
	r := Result{PID: p.pid}
	r.Outcome, r.Reason = classify(f)
	r.ExitCode = f.code
	r.Signal = f.signal
	if c.decided == "timeout" {
		switch {
		case c.killSent:
			r.Signal = "SIGKILL"
		case c.quitSent:
			r.Signal = "SIGQUIT"
		}
	}
	r.Duration = c.exit.at.Sub(p.start)
	r.Spawn = p.spawn
	if r.Outcome == results.Complete {
		done := c.exit.at
		if f.decided == "marker" && c.markerAt.Before(done) {
			done = c.markerAt
		}
		r.CompletedAfter = max(done.Sub(p.start), 1)
	}
	r.Stdout = c.stdout.output()
	r.Stderr = c.stderr.output()
	r.FatalLine = c.stderr.fatal()
	if c.quitSent {
		r.GoroutineDump = c.stderr.dump()
	}
	r.Leftovers = p.leftovers()
	r.MaxRSS = c.exit.maxRSS
	return r
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
