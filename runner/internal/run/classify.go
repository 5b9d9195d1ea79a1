package run

import (
	"bytes"
	"fmt"
	"regexp"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// facts are what a run came to, as far as the outcome depends on it.
type facts struct {
	pattern  *regexp.Regexp // Spec.CompleteOn
	decided  string         // what ended the run first: "marker", "timeout", "memory", or "" (the process exited)
	timeout  time.Duration
	memLimit int64
	code     *int   // exit code, nil if killed by a signal
	signal   string // the signal that killed the process
	waitErr  error  // the wait itself failed: no exit status
}

// classify turns the facts of a run into an outcome and a one-line reason.
// It is the single place the rules of doc.go are written down in code.
func classify(f facts) (outcome, reason string) {
	switch f.decided {
	case "marker":
		return results.Complete, fmt.Sprintf("output matched %q", f.pattern.String())
	case "timeout":
		return results.Hang, "timeout after " + f.timeout.String()
	case "memory":
		return results.Fail, fmt.Sprintf("memory limit exceeded (%s)", mib(f.memLimit))
	}
	switch {
	case f.waitErr != nil:
		return results.Fail, "wait: " + f.waitErr.Error()
	case f.code == nil:
		if f.signal == "" {
			return results.Fail, "killed by a signal"
		}
		return results.Fail, "killed by " + f.signal
	case *f.code != 0:
		return results.Fail, fmt.Sprintf("exit status %d", *f.code)
	case f.pattern != nil:
		return results.Fail, fmt.Sprintf("exited 0 without output matching %q", f.pattern.String())
	}
	return results.Complete, "exit status 0"
}

// mib formats a byte count in MiB, with a decimal only where needed.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// fatalPrefixes start the lines in which the Go runtime reports why a
// program dies: a panic, a throw ("fatal error: ..."), its own diagnostics
// before a throw ("runtime: ..."), a signal it could not turn into a panic
// ("SIGSEGV: segmentation violation", "SIGBUS: bus error"), and a few rarer
// ones. "SIGQUIT: quit" is what our own SIGQUIT causes, so it is not one.
var fatalPrefixes = [][]byte{
	[]byte("panic: "),
	[]byte("fatal error: "),
	[]byte("runtime: "),
	[]byte("fatal: "),
	[]byte("unexpected fault address "),
	[]byte("unexpected signal "),
}

var sigLine = regexp.MustCompile(`^SIG[A-Z0-9]+: `)

// isFatalLine reports whether line is one of the runtime's fatal-error lines.
func isFatalLine(line []byte) bool {
	for _, p := range fatalPrefixes {
		if bytes.HasPrefix(line, p) {
			return true
		}
	}
	return len(line) > 3 && line[0] == 'S' && sigLine.Match(line) && !bytes.HasPrefix(line, []byte("SIGQUIT: "))
}

// dumpStart matches the first line of a goroutine in a traceback:
// "goroutine 1 [running]:", or with GOTRACEBACK=system and up
// "goroutine 1 gp=0xc000002380 m=0 mp=0x5f1e40 [running]:".
var dumpStart = regexp.MustCompile(`(?m)^goroutine \d+ `)

// trimDump returns the goroutine dump in b: from its first "goroutine N ["
// line on, or all of b if there is none.
func trimDump(b []byte) string {
	if loc := dumpStart.FindIndex(b); loc != nil {
		b = b[loc[0]:]
	}
	return string(b)
}
