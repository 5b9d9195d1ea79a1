// Package compat states, for each case built with a go.mod of its own, the
// minimum Go its go.mod declares beside the one its cells observed: the
// oldest toolchain of the matrix from which every newer one builds it and
// passes (runs it to completion, or passes its tests). A go.mod that
// declares less than that claims support for versions where the case
// fails; one that declares more asks users for a newer Go than it needs.
//
// The observation is only as fine as the matrix: "observed go1.18.10" in
// a matrix of every minor means go1.17 failed; in a sparser one, any
// version between the two tried may be the real minimum (gomatrix bisect
// finds it).
package compat

import (
	"sort"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Verdicts of a Minimum.
const (
	TooLow  = "declared too low" // fails on a version the go.mod admits
	Higher  = "declared higher"  // passes on versions the go.mod excludes
	Matches = "matches"          // the declared minimum is the observed one
	Unknown = "unknown"          // no toolchain passes, or nothing to compare
)

// Minimums returns the minimum of each case (the cases of one package
// pattern count as one: "gocmp" for gocmp/cmp, gocmp/cmp/cmpopts…) that
// was built with its own go.mod's go line, in the order cases first
// appear. Cells of a go_line axis value other than unset do not count:
// they test another go line than the one declared; nor do cases the
// runner wrote a go.mod for: they declare nothing.
func Minimums(r *results.Results) []results.Minimum {
	own := map[string]bool{}
	for _, c := range r.Matrix.Cases {
		own[c.Name] = c.GoMod
	}
	var order []string
	groups := map[string][]results.Cell{}
	for _, c := range r.Cells {
		// A skipped cell (no tests, no toolchain) says nothing either way.
		if !own[c.Case] || c.GoLineAxis != "" || c.Outcome == results.Skip {
			continue
		}
		g, _, _ := strings.Cut(c.Case, "/")
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], c)
	}
	var out []results.Minimum
	for _, g := range order {
		if m, ok := minimum(g, groups[g]); ok {
			out = append(out, m)
		}
	}
	return out
}

// minimum is the Minimum of one case's cells; ok is false for a case
// without a declared go line to compare (a case the runner wrote a
// go.mod for).
func minimum(name string, cells []results.Cell) (results.Minimum, bool) {
	m := results.Minimum{Case: name, Declared: declared(cells)}
	versions := versionsOf(cells)
	if len(versions) == 0 {
		return m, false
	}
	m.Oldest = versions[0]
	i := len(versions)
	for i > 0 && passes(cells, versions[i-1]) {
		i--
	}
	if i < len(versions) {
		m.Observed = versions[i]
	}
	if i > 0 {
		m.FirstFailure = failure(cells, versions[i-1])
	}
	m.Verdict = verdict(m)
	return m, true
}

// declared is the go line most cells were built with, as their go.mod
// had it (not adapted for an old toolchain).
func declared(cells []results.Cell) string {
	count := map[string]int{}
	best := ""
	for _, c := range cells {
		if c.GoModAdapted == "" && c.GoLine != "" {
			count[c.GoLine]++
			if count[c.GoLine] > count[best] {
				best = c.GoLine
			}
		}
	}
	return best
}

// versionsOf lists the cells' toolchain versions, oldest first.
func versionsOf(cells []results.Cell) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cells {
		if !seen[c.Go] && c.Go != "" {
			seen[c.Go] = true
			out = append(out, c.Go)
		}
	}
	sort.Slice(out, func(i, j int) bool { return gover.Compare(out[i], out[j]) < 0 })
	return out
}

// passes reports whether every cell of version v completed.
func passes(cells []results.Cell, v string) bool {
	for _, c := range cells {
		if c.Go == v && c.Outcome != results.Complete {
			return false
		}
	}
	return true
}

// failure says what failed first on version v: "go1.17.13: cmp: reason".
func failure(cells []results.Cell, v string) string {
	for _, c := range cells {
		if c.Go == v && c.Outcome != results.Complete {
			return v + " " + c.Case + ": " + c.Outcome + ": " + c.Reason
		}
	}
	return ""
}

// verdict compares the declared and observed minimums by language
// version: a go line names a language, not a patch release.
func verdict(m results.Minimum) string {
	if m.Observed == "" {
		return Unknown
	}
	declared, note := m.Declared, ""
	if declared == "" {
		declared, note = "1.16", " (no go line: the go command assumes go 1.16)"
	}
	return compare(gover.Lang(declared), m) + note
}

// compare is the verdict of declared language version d against m. When
// even the oldest toolchain tried passes, the real minimum may be older
// still: a declared minimum below it is then untested, not too low.
func compare(d string, m results.Minimum) string {
	switch o := gover.Lang(m.Observed); {
	case gover.Compare(d, o) > 0:
		return Higher
	case gover.Compare(d, o) < 0 && m.Observed == m.Oldest:
		return Unknown + " (every toolchain tried passes; none older than " + m.Oldest + " was tried)"
	case gover.Compare(d, o) < 0:
		return TooLow
	}
	return Matches
}
