// Package gotest reads the -test.v output of a Go test binary as it
// arrives and turns it into per-test results, then decides the outcome
// of the run from them: complete when every test passed (or skipped),
// fail naming the tests that failed, hang naming the tests that were
// running at the timeout, and "no tests to run" as a result of its own.
//
// The -test.v format is the same from go1.13 to today for what is read
// here: "=== RUN   Name", "=== PAUSE Name", "=== CONT  Name", and
// "--- PASS: Name (0.01s)" (FAIL, SKIP), indented four spaces per level of
// subtest. Output between those lines belongs to the test that last
// started, continued or ended; from go1.14 a test's log is printed as it
// happens, before its result line, and earlier after it, indented.
package gotest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Bounds of what is kept of a test's output.
const (
	tailLines = 20
	tailBytes = 4 << 10
)

var (
	reRun    = regexp.MustCompile(`^=== (RUN|PAUSE|CONT|NAME) +(\S+)`)
	reResult = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(([0-9.]+)s\)`)
)

// A Parser collects the tests of one run of a test binary. Line may be
// called from the goroutine reading the binary's output while Tests is
// called from another.
type Parser struct {
	mu      sync.Mutex
	tests   []*test
	byName  map[string]*test
	current *test
	noTests bool // "testing: warning: no tests to run"
	passed  bool // the binary printed its final PASS
}

type test struct {
	results.Test
	paused bool
	tail   []string
}

// New returns an empty Parser.
func New() *Parser { return &Parser{byName: map[string]*test{}} }

// Line reads one line of the binary's standard output.
func (p *Parser) Line(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := string(bytes.TrimRight(line, "\r"))
	if m := reRun.FindStringSubmatch(s); m != nil {
		p.event(m[1], m[2])
		return
	}
	if m := reResult.FindStringSubmatch(s); m != nil {
		p.result(m[1], m[2], m[3])
		return
	}
	switch strings.TrimSpace(s) {
	case "PASS":
		p.passed = true
		return
	case "testing: warning: no tests to run":
		p.noTests = true
		return
	}
	if p.current != nil {
		p.current.add(s)
	}
}

// event handles a RUN, PAUSE, CONT or NAME line.
func (p *Parser) event(kind, name string) {
	t := p.byName[name]
	if t == nil {
		t = &test{Test: results.Test{Name: name, Outcome: results.TestRunning}}
		p.byName[name] = t
		p.tests = append(p.tests, t)
	}
	t.paused = kind == "PAUSE"
	p.current = t
}

// result handles a --- PASS/FAIL/SKIP line.
func (p *Parser) result(kind, name, secs string) {
	t := p.byName[name]
	if t == nil { // its RUN line was lost (a line longer than the runner reads)
		p.event("RUN", name)
		t = p.byName[name]
	}
	t.Outcome = map[string]string{"PASS": results.TestPass, "FAIL": results.TestFail, "SKIP": results.TestSkip}[kind]
	if f, err := strconv.ParseFloat(secs, 64); err == nil {
		t.ElapsedMS = f * 1000
	}
	t.paused = false
	p.current = t
}

// add keeps line in the test's bounded tail.
func (t *test) add(line string) {
	t.tail = append(t.tail, line)
	size := 0
	for _, l := range t.tail {
		size += len(l) + 1
	}
	for len(t.tail) > tailLines || size > tailBytes && len(t.tail) > 1 {
		size -= len(t.tail[0]) + 1
		t.tail = t.tail[1:]
	}
}

// Tests returns the tests seen so far, in the order they started, with
// the output of those that did not pass: a passing test's log is noise
// in a report, and a large suite's would be megabytes.
func (p *Parser) Tests() []results.Test {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshot()
}

func (p *Parser) snapshot() []results.Test {
	out := make([]results.Test, len(p.tests))
	for i, t := range p.tests {
		out[i] = t.Test
		if t.Outcome != results.TestPass {
			out[i].Output = strings.Join(t.tail, "\n")
		}
	}
	return out
}

// Judge returns the tests and the outcome and reason of the run, given
// what package run made of it (complete on exit 0, hang at the timeout,
// fail otherwise) and the tests it printed.
func (p *Parser) Judge(outcome, reason string) (tests []results.Test, _, _ string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tests = p.snapshot()
	failed, running := names(tests, results.TestFail), names(tests, results.TestRunning)
	switch {
	case outcome == results.Hang:
		return tests, results.Hang, "timeout while running " + list(running, "no test (in the package's init or TestMain)")
	case len(failed) > 0:
		return tests, results.Fail, plural(len(failed), "test") + " failed: " + list(failed, "")
	case len(running) > 0:
		// A test that started and never ended: the binary died in it (a
		// panic, os.Exit) — with exit status 0 before go1.16.
		return tests, results.Fail, list(running, "") + " did not end: the test binary exited in it (" + reason + ")"
	case outcome == results.Complete && len(tests) == 0 && p.noTests:
		return tests, results.Skip, "no tests to run"
	case outcome == results.Complete && !p.passed:
		return tests, results.Fail, "the test binary exited 0 without printing PASS (os.Exit(0) in TestMain or init?)"
	}
	return tests, outcome, reason
}

// names lists the tests with the given outcome, subtests before the
// tests that contain them left out (a failing subtest fails its parent).
func names(tests []results.Test, outcome string) []string {
	var out []string
	for _, t := range tests {
		if t.Outcome == outcome {
			out = append(out, t.Name)
		}
	}
	keep := out[:0]
	for i, n := range out {
		if i+1 < len(out) && strings.HasPrefix(out[i+1], n+"/") {
			continue // its subtest is more precise
		}
		keep = append(keep, n)
	}
	return keep
}

// list joins up to five names, "and N more" after.
func list(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + " and " + strconv.Itoa(len(names)-5) + " more"
	}
	return strings.Join(names, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// DumpDisagrees returns a note when the goroutine dump of a hang shows
// no frame of any test the output says was running — two signals that
// disagree, said rather than hidden — or "" when one of them is there
// (or there is no dump to compare).
func DumpDisagrees(tests []results.Test, dump string) string {
	var running []string
	for _, t := range tests {
		if t.Outcome == results.TestRunning {
			top, _, _ := strings.Cut(t.Name, "/")
			if strings.Contains(dump, "."+top+"(") || strings.Contains(dump, "."+top+".") {
				return ""
			}
			running = append(running, t.Name)
		}
	}
	if dump == "" || len(running) == 0 {
		return ""
	}
	return "the goroutine dump shows no frame of " + list(running, "")
}
