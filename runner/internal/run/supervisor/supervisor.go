//go:build unix

package supervisor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// Env, set to Proto, makes a process a supervisor. The runner sets it
	// in a supervisor's environment only: a cell's never has it.
	Env   = "GOMATRIX_RUN_SUPERVISOR"
	Proto = "2"

	// fdConn is the supervisor's end of the socket.
	fdConn = 3

	// cleanupTimeout bounds how long a supervisor kills and reaps.
	cleanupTimeout = 5 * time.Second
)

func init() {
	if os.Getenv(Env) != "" {
		os.Exit(Main())
	}
}

// A Spec is what the runner asks a supervisor to start.
type Spec struct {
	Path string
	Args []string // argv, the program name first
	Dir  string
	Env  []string // used as is
}

// A Conn is the runner's end of the socket to a supervisor.
type Conn struct {
	f      *os.File
	lines  *bufio.Reader
	ending bool // end sent, ready not read yet
}

// Start starts exe as a supervisor and returns the command, to be waited
// for once the connection is closed, and the connection.
func Start(exe string) (*exec.Cmd, *Conn, error) {
	// Close-on-exec at once, before another goroutine forks (not every
	// unix has SOCK_CLOEXEC): no other child may hold the runner's end.
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	// Ours is non-blocking, so that waiting for a report parks a goroutine
	// in the poller, not a thread in read.
	unix.SetNonblock(fds[0], true)
	ours, theirs := os.NewFile(uintptr(fds[0]), "supervisor"), os.NewFile(uintptr(fds[1]), "runner")
	cmd := &exec.Cmd{
		Path: exe,
		Args: []string{"gomatrix-cell-supervisor"},
		// Its own runtime is not the cell's: none of the cell's settings.
		Env: []string{Env + "=" + Proto, "GOMAXPROCS=1"},
		// Where a supervisor that cannot work says why.
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{theirs},
		// Out of the runner's group: a Ctrl-C at a terminal, or a kill of
		// the runner's group, does not reach it, so it is there to clean up.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		ours.Close()
		return nil, nil, err
	}
	return cmd, &Conn{f: ours, lines: bufio.NewReader(ours)}, nil
}

// Run asks the supervisor to start sp with stdout and stderr, and returns
// its answer: a start report, or an error report.
func (c *Conn) Run(sp Spec, stdout, stderr *os.File) (Report, error) {
	if c.ending {
		if err := c.ready(); err != nil {
			return Report{}, err
		}
	}
	b, err := json.Marshal(sp)
	if err != nil {
		return Report{}, err
	}
	msg := append(append([]byte("run "), b...), '\n')
	if err := sendFiles(c.f, msg[:1], stdout, stderr); err != nil {
		return Report{}, fmt.Errorf("send to cell supervisor: %w", err)
	}
	// The descriptors went with the first byte; the rest follows plainly.
	if _, err := c.f.Write(msg[1:]); err != nil {
		return Report{}, fmt.Errorf("send to cell supervisor: %w", err)
	}
	rep, err := c.Read()
	if err == nil && rep.Verb != "start" && rep.Verb != "error" {
		err = fmt.Errorf("cell supervisor: %s report, want start", rep.Verb)
	}
	return rep, err
}

// sendFiles sends b on the socket conn with the descriptors of files.
func sendFiles(conn *os.File, b []byte, files ...*os.File) error {
	var fds []int
	for _, f := range files {
		rc, err := f.SyscallConn()
		if err != nil {
			return err
		}
		rc.Control(func(fd uintptr) { fds = append(fds, int(fd)) })
	}
	rights := unix.UnixRights(fds...)
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), b, rights, nil, 0)
		return serr != unix.EAGAIN
	})
	if err == nil {
		err = serr
	}
	// The descriptors must stay open until they are sent.
	for _, f := range files {
		runtime.KeepAlive(f)
	}
	return err
}

// End tells the supervisor the runner is done with the cell. It does not
// wait: the next Run waits for the supervisor to be ready, which it is
// once nothing of the cell is left.
func (c *Conn) End() error {
	if _, err := io.WriteString(c.f, "end\n"); err != nil {
		return err
	}
	c.ending = true
	return nil
}

// ready reads the answer to End.
func (c *Conn) ready() error {
	rep, err := c.Read()
	if err == nil && rep.Verb != "ready" {
		err = fmt.Errorf("cell supervisor: %s report, want ready", rep.Verb)
	}
	c.ending = false
	return err
}

// Close closes the connection: the supervisor kills what is left of its
// cell, if anything, and exits.
func (c *Conn) Close() error { return c.f.Close() }

// A Report is one line a supervisor wrote.
type Report struct {
	Verb   string // "start", "error", "exit" or "ready"
	PID    int    // start: the main process
	T0, T1 int64  // start: before the fork, after exec
	Status syscall.WaitStatus
	MaxRSS int64  // exit: ru_maxrss, in the OS's unit
	T      int64  // exit: when the main process was reaped
	Error  string // error
}

// Read reads the next report.
func (c *Conn) Read() (Report, error) {
	line, err := c.lines.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("cell supervisor exited")
		}
		return Report{}, err
	}
	verb, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	rep := Report{Verb: verb}
	var n []int64
	switch verb {
	case "error":
		rep.Error = rest
		return rep, nil
	case "ready":
		return rep, nil
	case "start", "exit":
		n, err = parseInts(rest, 3)
	default:
		err = errors.New("unknown report")
	}
	if err != nil {
		return Report{}, fmt.Errorf("cell supervisor: report %q: %v", line, err)
	}
	if verb == "start" {
		rep.PID, rep.T0, rep.T1 = int(n[0]), n[1], n[2]
	} else {
		rep.Status, rep.MaxRSS, rep.T = syscall.WaitStatus(n[0]), n[1], n[2]
	}
	return rep, nil
}

// parseInts parses n space-separated integers.
func parseInts(s string, n int) ([]int64, error) {
	f := strings.Fields(s)
	if len(f) != n {
		return nil, fmt.Errorf("want %d numbers", n)
	}
	out := make([]int64, n)
	for i, x := range f {
		v, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Now reads CLOCK_MONOTONIC, the clock the runner and its supervisors
// share, in nanoseconds.
func Now() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(clockMonotonic, &ts); err != nil {
		panic("clock_gettime(CLOCK_MONOTONIC): " + err.Error())
	}
	return ts.Nano()
}

// Time turns a reading of Now, in this process or another, into a
// time.Time of this process's clock. time.Now is read between two
// readings of Now, up to three times until they are within 2 µs: the error
// is half their distance, under a microsecond unless the thread was
// preempted thrice.
func Time(t int64) time.Time {
	var now time.Time
	var mono, width int64
	for i := range 3 {
		m1 := Now()
		n := time.Now()
		m2 := Now()
		if i == 0 || m2-m1 < width {
			now, mono, width = n, m1+(m2-m1)/2, m2-m1
		}
		if width < 2000 {
			break // close enough
		}
	}
	return now.Add(time.Duration(t - mono))
}

// A message is a line from the runner, with the descriptors sent with it.
type message struct {
	line string
	fds  []int
	err  error // io.EOF: the runner is done, or dead
}

// Main is a supervisor's whole life (see the package documentation); it
// returns the exit status.
func Main() int {
	if v := os.Getenv(Env); v != Proto {
		fmt.Fprintf(os.Stderr, "cell supervisor: %s=%s, want %s: started by another version of the runner\n", Env, v, Proto)
		return 2
	}
	if st, err := unix.GetsockoptInt(fdConn, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || st != unix.SOCK_STREAM {
		fmt.Fprintf(os.Stderr, "cell supervisor: descriptor %d is not a socket: only the runner starts cell supervisors\nhint: unset %s\n", fdConn, Env)
		return 2
	}
	syscall.CloseOnExec(fdConn)
	// Non-blocking, so that os.File waits in the poller: nothing here
	// blocks a thread, and one P does (GOMAXPROCS=1).
	unix.SetNonblock(fdConn, true)
	conn := os.NewFile(fdConn, "runner")
	null, err := os.Open(os.DevNull)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cell supervisor: %v\n", err)
		return 2
	}
	becomeSubreaper()
	sigs := make(chan os.Signal, 1)
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		// One the runner ignores stays ignored, for the cell too: caught,
		// it would be reset to the default by exec.
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	msgs := make(chan message)
	go readMessages(conn, msgs)
	out := &reporter{f: conn}
	for {
		var m message
		select {
		case m = <-msgs:
		case <-sigs:
			return 0
		}
		verb, rest, _ := strings.Cut(m.line, " ")
		switch {
		case m.err != nil:
			return 0
		case verb == "end":
			out.printf("ready") // no cell: nothing to clean
			continue
		case verb != "run" || len(m.fds) != 2:
			fmt.Fprintf(os.Stderr, "cell supervisor: unexpected message %q with %d descriptors\n", m.line, len(m.fds))
			return 2
		}
		var sp Spec
		if err := json.Unmarshal([]byte(rest), &sp); err != nil {
			syscall.Close(m.fds[0])
			syscall.Close(m.fds[1])
			out.printf("error cell supervisor: spec: %s", strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		if err := supervise(sp, null, m.fds, msgs, sigs, sigchld, out); err != nil {
			return 0 // the runner is gone, or we could not clean up
		}
	}
}

// supervise runs one cell: it starts it, reports its start and its end,
// and once the runner says end (or is gone), kills whatever is left of it.
// A nil error means the supervisor is ready for another cell.
func supervise(sp Spec, null *os.File, fds []int, msgs <-chan message, sigs, sigchld <-chan os.Signal, out *reporter) error {
	pid, t0, t1, err := startCell(sp, null, fds)
	if err != nil {
		out.printf("error %s", strings.ReplaceAll(err.Error(), "\n", " "))
		return nil
	}
	out.printf("start %d %d %d", pid, t0, t1)
	var exited atomic.Bool
	childless := make(chan struct{})
	go reap(pid, out, &exited, childless, sigchld)
	var m message
	select {
	case m = <-msgs:
	case <-sigs:
		m.err = errors.New("signalled")
	}
	clean := cleanUp(pid, exited.Load(), childless)
	switch {
	case m.err != nil:
		return m.err
	case m.line != "end":
		return fmt.Errorf("unexpected message %q while a cell runs", m.line)
	case !clean:
		return errors.New("processes of the cell could not be killed")
	}
	out.printf("ready")
	return nil
}

// readMessages reads the runner's lines from conn, with the descriptors
// sent with them, until EOF.
func readMessages(conn *os.File, msgs chan<- message) {
	rc, err := conn.SyscallConn()
	if err != nil {
		msgs <- message{err: err}
		return
	}
	var pending []byte
	var fds []int
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(8*4))
	for {
		var n, oobn int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		if err == nil {
			err = rerr
		}
		if oobn > 0 {
			fds = append(fds, parseRights(oob[:oobn])...)
		}
		if err != nil || n == 0 {
			if err == nil {
				err = io.EOF
			}
			msgs <- message{err: err}
			return
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			m := message{line: string(pending[:i])}
			pending = pending[i+1:]
			if strings.HasPrefix(m.line, "run ") {
				m.fds, fds = fds, nil
			}
			msgs <- m
		}
	}
}

// parseRights returns the descriptors in the control messages oob, made
// close-on-exec: a cell gets them only as its stdout and stderr.
func parseRights(oob []byte) []int {
	cms, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, cm := range cms {
		got, err := unix.ParseUnixRights(&cm)
		if err != nil {
			continue
		}
		for _, fd := range got {
			syscall.CloseOnExec(fd)
		}
		fds = append(fds, got...)
	}
	return fds
}

// A reporter writes reports to the runner, one line at a time.
type reporter struct {
	mu sync.Mutex
	f  *os.File
}

func (r *reporter) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f.Write(fmt.Appendf(nil, format+"\n", args...)) // an error: the runner is gone
}

// startCell starts the cell's binary with stdout and stderr fds[0] and
// fds[1], which it closes: stdin the null device, its own process group,
// SIGKILL as its parent-death signal (Linux). t0 is taken just before the
// fork, t1 once exec has succeeded.
func startCell(sp Spec, null *os.File, fds []int) (pid int, t0, t1 int64, err error) {
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	attr := &syscall.SysProcAttr{Setpgid: true}
	// The parent-death signal fires when the forking thread ends: this
	// runs in init, on the main thread, which lives as long as we do.
	setPdeathsig(attr)
	files := []uintptr{null.Fd(), uintptr(fds[0]), uintptr(fds[1])}
	t0 = Now()
	pid, err = syscall.ForkExec(sp.Path, sp.Args, &syscall.ProcAttr{Dir: sp.Dir, Env: sp.Env, Files: files, Sys: attr})
	t1 = Now()
	if err != nil {
		return 0, 0, 0, &os.PathError{Op: "fork/exec", Path: sp.Path, Err: err}
	}
	return pid, t0, t1, nil
}

// reap reaps every child of the supervisor as it ends, on SIGCHLD,
// reports the end of main, and closes childless when no child is left.
// No wait blocks a thread: the supervisor's one P stays free.
func reap(main int, out *reporter, exited *atomic.Bool, childless chan<- struct{}, sigchld <-chan os.Signal) {
	defer close(childless)
	for {
		for {
			var ws syscall.WaitStatus
			var ru syscall.Rusage
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, &ru)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return // ECHILD
			}
			if pid == 0 {
				break // children left, none ended
			}
			if pid == main {
				t := Now()
				exited.Store(true)
				out.printf("exit %d %d %d", uint32(ws), int64(ru.Maxrss), t)
			}
		}
		<-sigchld
	}
}
