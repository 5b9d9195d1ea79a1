package supervisor

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes the supervisor the child subreaper of the cell
// (prctl PR_SET_CHILD_SUBREAPER): a process of the cell whose parent dies
// is reparented to the supervisor, not to init.
func becomeSubreaper() {
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

func setPdeathsig(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// cleanUp kills every descendant of the supervisor, again and again until
// reap has seen the last of them go (a process can fork between a scan and
// its kill; its child then comes back to us), and reports whether it did
// within cleanupTimeout.
func cleanUp(main int, exited bool, childless <-chan struct{}) bool {
	select {
	case <-childless:
		return true // the common case: the runner killed everything already
	default:
	}
	if !exited {
		// While main is not reaped its pid, the group's id, is not reused.
		syscall.Kill(-main, syscall.SIGKILL)
	}
	deadline := time.Now().Add(cleanupTimeout)
	for {
		for _, pid := range descendants(os.Getpid()) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-childless:
			return true
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// descendants lists the descendants of root.
func descendants(root int) []int {
	if _, err := Children(root); err != nil {
		return scanDescendants(root)
	}
	var out []int
	todo := []int{root}
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		kids, _ := Children(pid)
		out = append(out, kids...)
		todo = append(todo, kids...)
	}
	return out
}

// Children lists the children of pid, zombies included, from
// /proc/<pid>/task/<tid>/children: a few small files, where scanning /proc
// reads one per process. The error is not nil when they cannot be read
// (a kernel without CONFIG_PROC_CHILDREN, or pid is gone).
func Children(pid int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	tids, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	var kids []int
	for _, tid := range tids {
		b, err := os.ReadFile(dir + tid + "/children")
		if err != nil {
			if os.IsNotExist(err) {
				if _, serr := os.Stat(dir + tid); serr != nil {
					continue // the thread ended
				}
			}
			return nil, err
		}
		for f := range bytes.FieldsSeq(b) {
			if k, err := strconv.Atoi(string(f)); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids, nil
}

// scanDescendants lists the live descendants of root from the parent links
// in /proc/<pid>/stat.
func scanDescendants(root int) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	children := map[int][]int{}
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold anything, the fields
		// start after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 || f[0][0] == 'Z' || f[0][0] == 'X' {
			continue
		}
		if ppid, err := strconv.Atoi(string(f[1])); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	todo := children[root]
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		out = append(out, pid)
		todo = append(todo, children[pid]...)
	}
	return out
}
