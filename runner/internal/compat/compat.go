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
// runner wrote a go.mod for: they declare nothing. r.Probes, releases
// tried outside the matrix, count as the versions they name.
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
		g := Group(c.Case)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], c)
	}
	var out []results.Minimum
	for _, g := range order {
		if m, ok := minimum(g, evidenceOf(groups[g], r.Probes, g)); ok {
			m.Declared = declared(groups[g])
			m.Verdict = verdict(m)
			out = append(out, m)
		}
	}
	return out
}

// Group is the name a case's minimum goes by: the case, or the prefix its
// package pattern's cases share ("gocmp" for "gocmp/cmp/cmpopts").
func Group(caseName string) string {
	g, _, _ := strings.Cut(caseName, "/")
	return g
}

// evidence is what one version showed: whether everything passed, and
// if not, what failed first.
type evidence struct {
	version string
	failure string // "" when it passed
}

// evidenceOf merges the cells and the group's probes by version, oldest
// first.
func evidenceOf(cells []results.Cell, probes []results.Probe, group string) []evidence {
	byVersion := map[string]*evidence{}
	add := func(v, failure string) {
		e, ok := byVersion[v]
		if !ok {
			e = &evidence{version: v}
			byVersion[v] = e
		}
		if e.failure == "" {
			e.failure = failure
		}
	}
	for _, c := range cells {
		if c.Go == "" {
			continue
		}
		add(c.Go, failureOf(c.Go, c.Case, c.Outcome, c.Reason))
	}
	for _, p := range probes {
		if p.Case == group && p.Outcome != results.Skip {
			add(p.Go, failureOf(p.Go, "", p.Outcome, p.Reason))
		}
	}
	out := make([]evidence, 0, len(byVersion))
	for _, e := range byVersion {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return gover.Compare(out[i].version, out[j].version) < 0 })
	return out
}

// failureOf says what failed: "go1.17.13 cmp: fail: reason", or "" for
// an outcome that passed.
func failureOf(v, name, outcome, reason string) string {
	if outcome == results.Complete {
		return ""
	}
	s := v + " "
	if name != "" {
		s += name + ": "
	}
	return s + outcome + ": " + reason
}

// minimum is the Minimum of one case's evidence; ok is false when there
// is none.
func minimum(name string, ev []evidence) (results.Minimum, bool) {
	if len(ev) == 0 {
		return results.Minimum{Case: name}, false
	}
	m := results.Minimum{Case: name, Oldest: ev[0].version}
	i := len(ev)
	for i > 0 && ev[i-1].failure == "" {
		i--
	}
	if i < len(ev) {
		m.Observed = ev[i].version
	}
	if i > 0 {
		m.Failing, m.FirstFailure = ev[i-1].version, ev[i-1].failure
		if m.Observed != "" {
			m.Untried = minorsBetween(ev[i-1].version, m.Observed)
		}
	}
	return m, true
}

// minorsBetween lists the language versions strictly between those of
// releases a and b: "1.17", "1.18" between go1.16.15 and go1.19.2.
func minorsBetween(a, b string) []string {
	var out []string
	for l := gover.NextLang(gover.Lang(a)); l != "" && gover.Compare(l, gover.Lang(b)) < 0; l = gover.NextLang(l) {
		out = append(out, strings.TrimPrefix(l, "go"))
	}
	return out
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
