package matrix

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// axes are the setting values a case's cells take, and the toolchains
// it runs on.
type axes struct {
	procs        []int
	debugs, exps []string
	lines        []string
	versions     []string // the case's versions entries; nil: every toolchain
	tcs          []toolchain.Toolchain
}

// axes are the matrix's own values over toolchains tcs.
func (m *Matrix) axes(tcs []toolchain.Toolchain) axes {
	lines := m.GoLine
	if len(lines) == 0 {
		lines = []string{""} // a Matrix made in code, not parsed
	}
	return axes{procs: m.GOMAXPROCS, debugs: m.GODEBUG, exps: m.GOEXPERIMENT, lines: lines, tcs: tcs}
}

// size is the number of cells of n cases over a; ok is false on overflow.
func (a axes) size(n int) (int, bool) {
	total := 1
	for _, k := range []int{len(a.tcs), n, len(a.procs), len(a.debugs), len(a.exps), len(a.lines)} {
		if k != 0 && total > MaxCells*2/k {
			return 0, false
		}
		total *= k
	}
	return total, true
}

// has reports whether a runs on toolchain t.
func (a axes) has(t toolchain.Toolchain) bool {
	if a.versions == nil {
		return true
	}
	return slices.ContainsFunc(a.versions, func(v string) bool { return MatchVersion(v, t) })
}

// pin returns a with the axes an include entry names set to its values.
func (a axes) pin(m Match) axes {
	if v, ok := m[KeyGOMAXPROCS]; ok {
		n, _ := strconv.Atoi(v)
		a.procs = []int{n}
	}
	for key, list := range map[string]*[]string{KeyGODEBUG: &a.debugs, KeyGOEXPERIMENT: &a.exps, KeyGoLine: &a.lines} {
		if v, ok := m[key]; ok {
			*list = []string{v}
		}
	}
	return a
}

// A CaseAxes is what a case.yaml says about the matrix's axes. A
// setting list it writes (gomaxprocs, godebug, goexperiment, go_line)
// replaces the matrix's list of the same key for the case's cells: a case
// names the settings it is about, and a matrix of cases that each test
// their own GODEBUG needs no exclude entries. Its versions list narrows
// the matrix's toolchains instead: toolchains are resolved, fetched and
// sharded for the matrix as a whole. A nil list leaves the matrix's.
type CaseAxes struct {
	Versions   []string // versions: selectors or constraints the toolchain must match
	GOMAXPROCS []int    // gomaxprocs
	GODEBUG    []string // godebug
	// GOEXPERIMENT and GoLine are goexperiment and go_line.
	GOEXPERIMENT, GoLine []string
	// Pos is where each key was written.
	Pos map[string]Pos
}

// narrow returns the axes of c's cells: the matrix's, with the setting
// lists c writes in their place and only the toolchains its versions
// select; an error for a versions entry that selects none of the
// matrix's toolchains, or a go constraint that rules them all out.
func (c *Case) narrow(all axes) (axes, ErrorList) {
	a, ca := all, c.Axes
	if ca.GOMAXPROCS != nil {
		a.procs = ca.GOMAXPROCS
	}
	for _, p := range [][2]*[]string{{&a.debugs, &ca.GODEBUG}, {&a.exps, &ca.GOEXPERIMENT}, {&a.lines, &ca.GoLine}} {
		if *p[1] != nil {
			*p[0] = *p[1]
		}
	}
	if ca.Versions == nil {
		return a, nil
	}
	a.versions = ca.Versions
	return a, c.checkVersions(all.tcs)
}

// checkVersions refuses a versions entry that selects none of the
// matrix's toolchains, and a versions list the case's go constraint
// rules out entirely.
func (c *Case) checkVersions(tcs []toolchain.Toolchain) ErrorList {
	var errs ErrorList
	at := c.Axes.Pos["versions"]
	any := false
	for _, v := range c.Axes.Versions {
		n := 0
		for _, t := range tcs {
			if MatchVersion(v, t) {
				n++
				any = any || c.Go.IsZero() || c.Go.Match(t.Version)
			}
		}
		if n == 0 && len(tcs) > 0 {
			errs = append(errs, &Error{File: at.File, Line: at.Line, Col: at.Col, Key: "versions",
				Msg:  fmt.Sprintf("case %s: %q selects none of the matrix's toolchains", c.Name, v),
				Hint: "a case's versions narrow the matrix's: add the version to the matrix's versions too"})
		}
	}
	if len(errs) == 0 && !any && !c.Go.IsZero() && len(tcs) > 0 {
		errs = append(errs, &Error{File: at.File, Line: at.Line, Col: at.Col, Key: "versions",
			Msg:  fmt.Sprintf("case %s: its go constraint %q excludes every toolchain its versions select", c.Name, c.Go),
			Hint: "the case would only ever be skipped: fix go or versions"})
	}
	return errs
}

// goLineSkip says why a cell with go line line is not built with the
// toolchain of version v: the line is newer than the toolchain. Go 1.21
// and later refuse such a go.mod; older ones would build it with their
// own language, which is not what the cell names.
func goLineSkip(line, v string) string {
	if line == "" || line == GoLineToolchain || v == "" || gover.Compare(line, v) <= 0 {
		return ""
	}
	return fmt.Sprintf("go line %s is newer than %s", line, v)
}
