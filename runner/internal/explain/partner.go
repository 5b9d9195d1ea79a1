package explain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Mode is how bisect enables a change at single source locations.
type Mode string

const (
	// GODEBUG runs the program with GODEBUG=name=value#PATTERN (bisect
	// -godebug): the setting applies at the call stacks PATTERN matches.
	GODEBUG Mode = "godebug"
	// Compile builds with the compiler's rewrite hash (bisect -compile,
	// GOCOMPILEDEBUG=loopvarhash=PATTERN): the rewrite applies at the
	// loops PATTERN matches.
	Compile Mode = "compile"
)

// Loopvar is the compiler rewrite of Go 1.22's per-iteration loop
// variables, the one go-line change explain bisects.
const Loopvar = "loopvar"

// loopvarLine is the go line from which loop variables are per-iteration.
const loopvarLine = "go1.22"

// A Change is what explain bisects.
type Change struct {
	Mode  Mode
	Value string // "randseednop=0" (GODEBUG) or "loopvar" (Compile)
}

// Flag is the bisect flag that enables the change: "-godebug=randseednop=0".
func (c Change) Flag() string { return "-" + string(c.Mode) + "=" + c.Value }

// Key is the GODEBUG key of a GODEBUG change ("randseednop").
func (c Change) Key() string {
	k, _, _ := strings.Cut(c.Value, "=")
	return k
}

// A Pair is what explain bisects: the change, and the base cell in which
// no change is enabled.
type Pair struct {
	Change Change
	// Base is the cell the probes build and run, the change enabled where
	// bisect's pattern says. Its GODEBUG never holds the change's key.
	// Its Outcome is the outcome with no change enabled; "" when no cell
	// of the results shows it (a probe with no change enabled finds it).
	Base results.Cell
	// Changed is the cell with the change enabled everywhere; nil when
	// explain was told the change and no cell of the results shows it.
	Changed *results.Cell
	// Why says in a sentence why this change explains the cells.
	Why string
}

// Choose returns what to bisect to explain cell x: the change between x
// and its partner, a cell of cells identical to x but for GODEBUG or
// the go line, with another outcome. want, when set, is the change the
// user named: Choose then only finds the partner that shows it, and
// without one bisects want on x itself.
func Choose(cells []results.Cell, x results.Cell, want *Change) (Pair, error) {
	pairs, notes := candidates(cells, x)
	pairs = dedupe(pairs)
	if want != nil {
		pairs = slices.DeleteFunc(pairs, func(p Pair) bool { return p.Change != *want })
		if len(pairs) == 0 {
			return told(x, *want), nil
		}
	}
	switch len(pairs) {
	case 1:
		return pairs[0], nil
	case 0:
		return Pair{}, noPartner(x, notes)
	}
	var lines []string
	for _, p := range pairs {
		o := other(x, p)
		lines = append(lines, fmt.Sprintf("  %-24s vs %s: %s", flagText(p.Change), o.ID(), o.Outcome))
	}
	return Pair{}, fmt.Errorf("%s (%s) has %d changes to explain:\n%s\nhint: choose one with -godebug name=value or -compile loopvar",
		x.ID(), x.Outcome, len(pairs), strings.Join(lines, "\n"))
}

// dedupe keeps one of the pairs that bisect the same change on the same
// base (a cell with partners at go 1.22 and at go 1.26): the bisection is
// the same.
func dedupe(pairs []Pair) []Pair {
	var out []Pair
	for _, p := range pairs {
		if !slices.ContainsFunc(out, func(q Pair) bool { return q.Change == p.Change && samePair(q.Base, p.Base) }) {
			out = append(out, p)
		}
	}
	return out
}

func samePair(a, b results.Cell) bool {
	return a.ID() == b.ID() && a.GODEBUG == b.GODEBUG && a.Outcome == b.Outcome
}

// candidates returns the pairs x and its partners make, and why the
// partners that make none do not.
func candidates(cells []results.Cell, x results.Cell) (pairs []Pair, notes []string) {
	for _, p := range cells {
		if !partners(x, p) || p.Outcome == x.Outcome || p.Outcome == results.Skip || x.Outcome == results.Skip {
			continue
		}
		if x.GODEBUG != p.GODEBUG {
			pairs = append(pairs, godebugPairs(x, p)...)
			continue
		}
		pair, note := goLinePair(x, p)
		if note != "" {
			notes = append(notes, note)
			continue
		}
		pairs = append(pairs, pair)
	}
	return pairs, notes
}

// partners reports whether x and p are the same cell but for exactly
// one of GODEBUG and the go line.
func partners(x, p results.Cell) bool {
	same := x.Case == p.Case && x.Selector == p.Selector && x.Go == p.Go && x.GOMAXPROCS == p.GOMAXPROCS &&
		x.GOEXPERIMENT == p.GOEXPERIMENT && x.OS == p.OS
	return same && (x.GODEBUG != p.GODEBUG) != (x.GoLineAxis != p.GoLineAxis)
}

// godebugPairs returns a pair for each GODEBUG key=value one cell has
// and the other has not; the other is the base.
func godebugPairs(x, p results.Cell) []Pair {
	var out []Pair
	for _, side := range [][2]results.Cell{{x, p}, {p, x}} {
		with, without := side[0], side[1]
		for _, kv := range only(with.GODEBUG, without.GODEBUG) {
			c := Change{GODEBUG, kv}
			base := withoutKey(without, c.Key())
			out = append(out, Pair{Change: c, Base: base, Changed: &with,
				Why: fmt.Sprintf("GODEBUG %s is set in %s (%s) and not in %s (%s)", kv, with.ID(), with.Outcome, without.ID(), without.Outcome)})
		}
	}
	return out
}

// goLinePair returns the loopvar pair of two cells whose go lines differ,
// the older line the base, or why there is none.
func goLinePair(x, p results.Cell) (Pair, string) {
	lo, hi := x, p
	if gover.Compare(lineOf(lo), lineOf(hi)) > 0 {
		lo, hi = hi, lo
	}
	if lineOf(lo) == "" || lineOf(hi) == "" {
		return Pair{}, fmt.Sprintf("%s: the results do not say which go line it was built with", p.ID())
	}
	if !CrossesLoopvar(lineOf(lo), lineOf(hi)) {
		return Pair{}, fmt.Sprintf("%s (%s): its go line and this one, %s and %s, do not cross 1.22, where loop variables became per-iteration; the go line also sets GODEBUG defaults (go doc godebug): try -godebug with a setting whose default changed between them",
			p.ID(), p.Outcome, lineText(lo), lineText(hi))
	}
	return Pair{Change: Change{Compile, Loopvar}, Base: lo, Changed: &hi,
		Why: fmt.Sprintf("the go line crosses 1.22 (%s: %s, %s: %s), where each iteration of a loop got its own loop variables",
			lineText(lo), lo.Outcome, lineText(hi), hi.Outcome)}, ""
}

// CrossesLoopvar reports whether going from go line lo to hi turns on
// per-iteration loop variables.
func CrossesLoopvar(lo, hi string) bool {
	return gover.Compare(gover.Lang(lo), loopvarLine) < 0 && gover.Compare(gover.Lang(hi), loopvarLine) >= 0
}

// told is the pair of a change the user named that no partner shows:
// x without the change is the base.
func told(x results.Cell, c Change) Pair {
	why := "as asked (no cell of the results differs from this one only by it)"
	if c.Mode == GODEBUG {
		base := withoutKey(x, c.Key())
		if base.GODEBUG == x.GODEBUG {
			return Pair{Change: c, Base: x, Why: why}
		}
		base.Outcome = "" // a cell the results do not hold
		return Pair{Change: c, Base: base, Changed: &x, Why: why}
	}
	if l := lineOf(x); l != "" && gover.Compare(gover.Lang(l), loopvarLine) < 0 {
		return Pair{Change: c, Base: x, Why: why}
	}
	base := x
	base.Outcome = "" // per-iteration loops already: the base is x with none
	return Pair{Change: c, Base: base, Changed: &x, Why: why}
}

// noPartner is the error of a cell with no partner to explain.
func noPartner(x results.Cell, notes []string) error {
	msg := fmt.Sprintf("%s (%s): no cell that differs from it only in GODEBUG or in the go line has another outcome", x.ID(), x.Outcome)
	for _, n := range notes {
		msg += "\n  " + n
	}
	return fmt.Errorf("%s\nhint: explain compares the cells of one run: give the matrix a godebug axis with and without the setting,\n"+
		"or go_line: [\"1.21\", \"1.22\"], and run it again; or name the change with -godebug name=value or -compile loopvar", msg)
}

// only returns the comma-separated entries of a that b lacks.
func only(a, b string) []string {
	have := map[string]bool{}
	for _, kv := range splitList(b) {
		have[kv] = true
	}
	var out []string
	for _, kv := range splitList(a) {
		if !have[kv] {
			out = append(out, kv)
		}
	}
	return out
}

// withoutKey returns c with key removed from its GODEBUG; its outcome is
// unknown ("") when that changed the cell.
func withoutKey(c results.Cell, key string) results.Cell {
	var keep []string
	for _, kv := range splitList(c.GODEBUG) {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			keep = append(keep, kv)
		}
	}
	if s := strings.Join(keep, ","); s != c.GODEBUG {
		c.GODEBUG, c.Outcome = s, ""
	}
	return c
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// lineOf is the go line c was built with ("1.21"), "" when unknown.
func lineOf(c results.Cell) string {
	if c.GoLine != "" {
		return c.GoLine
	}
	if gover.IsValid(c.GoLineAxis) {
		return c.GoLineAxis
	}
	return ""
}

func lineText(c results.Cell) string { return "go " + lineOf(c) }

// other is the cell of p that is not x.
func other(x results.Cell, p Pair) results.Cell {
	if p.Changed != nil && p.Changed.ID() != x.ID() {
		return *p.Changed
	}
	return p.Base
}

// flagText is the change as explain's flag: "-godebug randseednop=0".
func flagText(c Change) string { return "-" + string(c.Mode) + " " + c.Value }
