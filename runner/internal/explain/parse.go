package explain

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A ChangeSet is one minimal set of changes bisect found: enabling them
// (and only them) turns the base cell's outcome into the other one.
type ChangeSet struct {
	N     int      // bisect's number for it, from 1
	Lines []string // the match lines bisect printed, markers removed
	// Locations are the source locations of the set: one per compiler
	// match line, one per call stack (its frame in the program's code).
	Locations []Location
}

// A Location is a source location bisect found.
type Location struct {
	File      string
	Line, Col int // Col is 0 when unknown (call stacks)
	// Text says what changed there: the compiler's message ("loop
	// variable i now per-iteration"), or for a call stack where the
	// setting was read ("main.main calls math/rand.Seed").
	Text string
	// Stack is the call stack, innermost first, for a GODEBUG match.
	Stack []Frame
}

// A Frame is one frame of a call stack bisect printed.
type Frame struct {
	Func string
	File string
	Line int
}

// String is "file:line" or "file:line:col".
func (l Location) String() string {
	s := l.File + ":" + strconv.Itoa(l.Line)
	if l.Col > 0 {
		s += ":" + strconv.Itoa(l.Col)
	}
	return s
}

var (
	reSetStart    = regexp.MustCompile(`^--- change set #(\d+) `)
	reCompileLine = regexp.MustCompile(`^(\S.*?\.go):(\d+)(?::(\d+))?: (.*)$`)
	reFrameFile   = regexp.MustCompile(`^\t(.+):(\d+)(?: \+0x[0-9a-f]+)?$`)
)

// ParseOutput returns the change sets in the standard output of bisect:
//
//	--- change set #1 (enabling changes causes failure)
//	./main.go:10:6: loop variable i now per-iteration
//	---
//
// goroot is the toolchain's: of a call stack, the innermost frame outside
// it is the location.
func ParseOutput(out, goroot string) []ChangeSet {
	var sets []ChangeSet
	var cur *ChangeSet
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\r\n")
		switch m := reSetStart.FindStringSubmatch(line); {
		case m != nil:
			n, _ := strconv.Atoi(m[1])
			sets = append(sets, ChangeSet{N: n})
			cur = &sets[len(sets)-1]
		case cur != nil && line == "---":
			cur.Locations = parseSet(cur.Lines, goroot)
			cur = nil
		case cur != nil:
			cur.Lines = append(cur.Lines, line)
		}
	}
	return sets
}

// parseSet returns the locations of one change set's lines: compiler
// match lines, and call stacks (a "pkg.Func()" line, then a tab and
// file:line, per frame; a blank line ends a stack).
func parseSet(lines []string, goroot string) []Location {
	var locs []Location
	var stack []Frame
	flush := func() {
		if len(stack) > 0 {
			locs = append(locs, stackLocation(stack, goroot))
			stack = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := reCompileLine.FindStringSubmatch(line); m != nil {
			flush()
			locs = append(locs, compileLocation(m))
			continue
		}
		if f := reFrameFile.FindStringSubmatch(at(lines, i+1)); strings.HasSuffix(line, ")") && f != nil {
			n, _ := strconv.Atoi(f[2])
			stack = append(stack, Frame{Func: strings.TrimSuffix(line, "()"), File: f[1], Line: n})
			i++
			continue
		}
		flush()
	}
	flush()
	return locs
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// compileLocation is the location of a compiler match line.
func compileLocation(m []string) Location {
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	text := strings.TrimSuffix(strings.TrimSpace(m[4]), " [DISABLED]")
	return Location{File: m[1], Line: line, Col: col, Text: text}
}

// stackLocation is the location of a call stack: its innermost frame
// outside goroot and internal/godebug (else outside internal/godebug),
// with the call it made.
func stackLocation(stack []Frame, goroot string) Location {
	pick := firstFrame(stack, func(f Frame) bool { return !inGOROOT(f.File, goroot) })
	if pick < 0 {
		pick = max(0, firstFrame(stack, func(Frame) bool { return true }))
	}
	f := stack[pick]
	text := "in " + f.Func
	if pick > 0 && !isGodebug(stack[pick-1]) {
		text = fmt.Sprintf("%s calls %s", f.Func, stack[pick-1].Func)
	}
	return Location{File: f.File, Line: f.Line, Text: text, Stack: stack}
}

// firstFrame is the index of the innermost frame, internal/godebug's
// aside, that ok accepts; -1 when none.
func firstFrame(stack []Frame, ok func(Frame) bool) int {
	for i, f := range stack {
		if !isGodebug(f) && ok(f) {
			return i
		}
	}
	return -1
}

func isGodebug(f Frame) bool { return strings.HasPrefix(f.Func, "internal/godebug.") }

func inGOROOT(file, goroot string) bool {
	if goroot == "" {
		return false
	}
	root := filepath.ToSlash(filepath.Clean(goroot)) + "/"
	return strings.HasPrefix(filepath.ToSlash(file), root)
}
