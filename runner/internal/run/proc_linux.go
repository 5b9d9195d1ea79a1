package run

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/run/supervisor"
)

// maxrssUnit: Linux reports ru_maxrss in KiB.
const maxrssUnit = 1024

// canPollRSS: /proc/<pid>/statm gives the resident set of any process.
const canPollRSS = true

// membersEvery is how often rss looks for the group's members again.
const membersEvery = 200 * time.Millisecond

type sysProc struct {
	members   []int // the group's members other than the main process, for rss
	membersAt time.Time
	// known are the processes of the cell seen by track, by pid, with
	// their start time so that a reused pid is not mistaken for them.
	known map[int]uint64
}

// A procEntry is what /proc/<pid>/stat says of a process.
type procEntry struct {
	pid, ppid, pgrp int
	zombie          bool
	start           uint64 // in clock ticks since boot
}

// scanProcs lists every process in /proc.
func scanProcs() []procEntry {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	var buf [1024]byte
	ps := make([]procEntry, 0, len(names))
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if e, ok := readStat(pid, buf[:]); ok {
			ps = append(ps, e)
		}
	}
	return ps
}

// readStat reads /proc/<pid>/stat: "pid (comm) state ppid pgrp ...".
func readStat(pid int, buf []byte) (procEntry, bool) {
	b, ok := readSmall("/proc/"+strconv.Itoa(pid)+"/stat", buf)
	if !ok {
		return procEntry{}, false
	}
	// comm may hold spaces and parentheses: the fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	// state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	// cmajflt utime stime cutime cstime priority nice num_threads
	// itrealvalue starttime ...
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return procEntry{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	start, err3 := strconv.ParseUint(string(f[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procEntry{}, false
	}
	st := f[0][0]
	return procEntry{pid: pid, ppid: ppid, pgrp: pgrp, zombie: st == 'Z' || st == 'X', start: start}, true
}

// readSmall reads a small file into buf without allocating a new buffer.
func readSmall(path string, buf []byte) ([]byte, bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	n, err := syscall.Read(fd, buf)
	if err != nil || n <= 0 {
		return nil, false
	}
	return buf[:n], true
}

// alive reports whether pid is a process that is neither gone nor a zombie.
func alive(pid int) bool {
	var buf [1024]byte
	e, ok := readStat(pid, buf[:])
	return ok && !e.zombie
}

// others finds the live processes of the cell besides the main one: the
// members of its process group, the processes track saw, and the
// descendants of all those, of the main process and of its supervisor, even
// where they left the group (setsid). outside reports whether any is
// outside the group.
//
// The supervisor is a subreaper: a descendant whose parent died is
// reparented to it, so every process of the cell is found. Without one, a
// descendant whose parent died before it was seen has been reparented to
// init and cannot be traced back: if it also left the group it escapes,
// unless it holds an output pipe (see killPipeHolders).
func (p *proc) others() (victims []int, outside bool) {
	pg, self := p.pid, os.Getpid()
	sup := 0
	if p.sup != nil {
		sup = p.sup.pid
	}
	children := map[int][]int{}
	var roots []int
	inGroup := map[int]bool{}
	for _, e := range scanProcs() {
		if e.zombie || e.pid == self {
			continue
		}
		children[e.ppid] = append(children[e.ppid], e.pid)
		if e.pgrp == pg {
			roots = append(roots, e.pid)
			inGroup[e.pid] = true
		} else if start, ok := p.known[e.pid]; ok && start == e.start {
			roots = append(roots, e.pid)
		}
	}
	if !p.reaped {
		roots = append(roots, p.pid)
	}
	if sup != 0 {
		roots = append(roots, sup)
	}
	seen := map[int]bool{}
	for len(roots) > 0 {
		pid := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if pid != p.pid && pid != sup {
			victims = append(victims, pid)
			outside = outside || !inGroup[pid]
		}
		roots = append(roots, children[pid]...)
	}
	return victims, outside
}

// outsiders reports whether processes of the cell may live outside its
// group: track saw some, or the supervisor has adopted orphans.
func (p *proc) outsiders() bool {
	return len(p.known) > 0 || (p.sup != nil && p.sup.adopted(p.pid))
}

// adopted reports whether the supervisor has a child other than main: an
// orphan of the cell it adopted. It reads a few small files, where others
// reads one per process; when they cannot be read, it says true.
func (s *supervisorProc) adopted(main int) bool {
	kids, err := supervisor.Children(s.pid)
	if err != nil {
		return true
	}
	for _, k := range kids {
		if k != main {
			return true
		}
	}
	return false
}

// track notes the processes of the cell as they are now, while the main
// process lives: those that left the group can still be found by end after
// the main process has exited and they have been reparented.
func (p *proc) track() {
	if p.sup != nil {
		return // the supervisor adopts them
	}
	victims, outside := p.others()
	if !outside {
		return // the group is enough
	}
	if p.known == nil {
		p.known = map[int]uint64{}
	}
	var buf [1024]byte
	for _, pid := range victims {
		if e, ok := readStat(pid, buf[:]); ok {
			p.known[pid] = e.start
		}
	}
}

// rss returns the resident memory of the main process and of the other
// members of its group, in bytes.
func (p *proc) rss() int64 {
	if time.Since(p.membersAt) > membersEvery {
		p.members = p.members[:0]
		for _, e := range scanProcs() {
			if e.pgrp == p.pid && e.pid != p.pid && !e.zombie {
				p.members = append(p.members, e.pid)
			}
		}
		p.membersAt = time.Now()
	}
	total := statmRSS(p.pid)
	for _, pid := range p.members {
		total += statmRSS(pid)
	}
	return total
}

var pageSize = int64(os.Getpagesize())

// statmRSS reads the resident set of pid from /proc/<pid>/statm
// ("size resident shared ..." in pages); 0 if it is gone.
func statmRSS(pid int) int64 {
	var buf [256]byte
	b, ok := readSmall("/proc/"+strconv.Itoa(pid)+"/statm", buf[:])
	if !ok {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return n * pageSize
}

// killPipeHolders kills every other process that holds the write end of one
// of the pipes that files read: once the cell's group is gone, those are
// descendants that escaped it (setsid, then their parent died) and would keep
// the pipe open — and a reader waiting — for ever.
func (p *proc) killPipeHolders(files ...*os.File) {
	want := map[string]bool{}
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			want["pipe:["+strconv.FormatUint(st.Ino, 10)+"]"] = true
		}
	}
	if len(want) == 0 {
		return
	}
	self := os.Getpid()
	var buf [1024]byte
	for _, e := range scanProcs() {
		if e.pid == self || e.zombie {
			continue
		}
		dir := "/proc/" + strconv.Itoa(e.pid) + "/fd/"
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		fds, _ := d.Readdirnames(-1)
		d.Close()
		for _, fd := range fds {
			link, err := os.Readlink(dir + fd)
			if err != nil || !want[link] || !writeEnd(e.pid, fd, buf[:]) {
				continue
			}
			syscall.Kill(e.pid, syscall.SIGKILL)
			p.left[e.pid] = true
			break
		}
	}
}

// writeEnd reports whether the descriptor fd of pid is open for writing,
// from the "flags:" line of /proc/<pid>/fdinfo/<fd> (octal open flags).
func writeEnd(pid int, fd string, buf []byte) bool {
	b, ok := readSmall("/proc/"+strconv.Itoa(pid)+"/fdinfo/"+fd, buf)
	if !ok {
		return false
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		v, found := bytes.CutPrefix(line, []byte("flags:"))
		if !found {
			continue
		}
		flags, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 64)
		return err == nil && flags&syscall.O_ACCMODE != syscall.O_RDONLY
	}
	return false
}
