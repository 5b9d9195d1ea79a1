// Package claim evaluates a matrix's claims against a run's cells: holds,
// refuted, partly (on which versions), flaky or untested, with the cells
// that are the evidence. It is a pure function of its inputs.
package claim

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"gomatrix/runner/internal/gover"
	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/results"
	"gomatrix/runner/internal/toolchain"
)

// Evaluate returns the verdict of each claim over cells.
func Evaluate(claims []matrix.Claim, cells []results.Cell) []results.Claim {
	out := make([]results.Claim, 0, len(claims))
	for _, c := range claims {
		out = append(out, evaluate(c, cells))
	}
	return out
}

// Selects reports whether the claim's selection m picks cell c.
func Selects(m matrix.Match, c *results.Cell) bool {
	for k, v := range m {
		switch k {
		case matrix.KeyCase:
			if ok, _ := path.Match(v, c.Case); !ok {
				return false
			}
		case matrix.KeyVersion:
			if !matrix.MatchVersion(v, toolchain.Toolchain{Selector: c.Selector, Version: c.Go}) {
				return false
			}
		case matrix.KeyGOMAXPROCS:
			if v != strconv.Itoa(c.GOMAXPROCS) {
				return false
			}
		case matrix.KeyGODEBUG:
			if v != c.GODEBUG {
				return false
			}
		case matrix.KeyGOEXPERIMENT:
			if v != c.GOEXPERIMENT {
				return false
			}
		}
	}
	return true
}

// evaluate returns the verdict of claim cl over cells, with its evidence.
func evaluate(cl matrix.Claim, cells []results.Cell) results.Claim {
	r := results.Claim{ID: cl.ID, Claim: cl.Text, Source: cl.Source, Cells: cl.Cells.String(), Expect: cl.Expect.String()}
	t := gather(cl, cells, &r)
	n := len(r.Holding) + len(r.Contradicting)
	if n == 0 {
		r.Verdict, r.Summary = results.Untested, untestedSummary(r.Excluded)
		return r
	}
	r.Verdict = verdict(len(r.Holding), len(r.Contradicting), len(r.Flaky))
	if r.Verdict == results.Flaky {
		r.Summary = fmt.Sprintf("%d of %d cells gave different outcomes on repeats, so the run cannot settle it; ", len(r.Flaky), n)
	}
	r.Summary += t.summary() + fmt.Sprintf(" (%d of %d cells as expected", len(r.Holding), n)
	if len(r.Excluded) > 0 {
		r.Summary += fmt.Sprintf("; %d excluded: %s", len(r.Excluded), firstReason(r.Excluded))
	}
	r.Summary += ")"
	return r
}

// gather judges each cell cl selects, adding it to r's evidence: held,
// contradicting, flaky or excluded. It returns the tally by version.
func gather(cl matrix.Claim, cells []results.Cell, r *results.Claim) *versionTally {
	t := &versionTally{held: map[string]int{}, contra: map[string]int{}}
	for i := range cells {
		c := &cells[i]
		if !Selects(cl.Cells, c) {
			continue
		}
		if why := excluded(cl, c); why != "" {
			r.Excluded = append(r.Excluded, c.ID()+": "+why)
			continue
		}
		ok, observed, why := meets(cl.Expect, c, cells)
		if why != "" {
			r.Excluded = append(r.Excluded, c.ID()+": "+why)
			continue
		}
		t.add(c.Go, ok)
		line := c.ID() + ": " + observed
		if c.Flaky {
			r.Flaky = append(r.Flaky, line)
		}
		if ok {
			r.Holding = append(r.Holding, line)
		} else {
			r.Contradicting = append(r.Contradicting, line)
		}
	}
	return t
}

// untestedSummary says why no cell tested a claim, given the cells it
// excluded.
func untestedSummary(excluded []string) string {
	if len(excluded) > 0 {
		return fmt.Sprintf("no cell could test it: all %d selected cells were excluded (%s)", len(excluded), firstReason(excluded))
	}
	return "no cell could test it: the selection matches no cell of this run"
}

// verdict is the verdict of a claim some cells tested: held of them
// held, contra contradicted it, flaky were flaky.
func verdict(held, contra, flaky int) string {
	switch {
	case flaky > 0:
		return results.Flaky
	case contra == 0:
		return results.Holds
	case held == 0:
		return results.Refuted
	}
	return results.Partly
}

// A versionTally counts, per Go version, the cells that held and those
// that contradicted a claim.
type versionTally struct {
	held, contra map[string]int // version → cells
	versions     []string       // in the order first seen
}

// add counts a cell of version v that held (ok) or contradicted.
func (t *versionTally) add(v string, ok bool) {
	if _, seen := t.held[v]; !seen {
		if _, seen := t.contra[v]; !seen {
			t.versions = append(t.versions, v)
		}
	}
	if ok {
		t.held[v]++
	} else {
		t.contra[v]++
	}
}

// summary says on which versions the claim held, was contradicted, or
// held for some cells only: "holds on go1.14.15–go1.26.8; contradicted
// on go1.13.15".
func (t *versionTally) summary() string {
	versions := t.versions
	sort.Slice(versions, func(i, j int) bool { return gover.Compare(versions[i], versions[j]) < 0 })
	var holdV, contraV, mixedV []string
	for _, v := range versions {
		switch {
		case t.contra[v] == 0:
			holdV = append(holdV, v)
		case t.held[v] == 0:
			contraV = append(contraV, v)
		default:
			mixedV = append(mixedV, v)
		}
	}
	var parts []string
	if len(holdV) > 0 {
		parts = append(parts, fmt.Sprintf("holds on %s", spans(holdV, versions)))
	}
	if len(contraV) > 0 {
		parts = append(parts, fmt.Sprintf("contradicted on %s", spans(contraV, versions)))
	}
	if len(mixedV) > 0 {
		parts = append(parts, fmt.Sprintf("holds for some of its cells only on %s", spans(mixedV, versions)))
	}
	return strings.Join(parts, "; ")
}

// excluded says why a selected cell cannot be evidence for the claim,
// or "" when it can.
func excluded(cl matrix.Claim, c *results.Cell) string {
	switch c.Outcome {
	case results.Skip:
		return "skipped: " + c.Reason
	case results.BuildError:
		// A build error says nothing about a claim on how the program
		// behaves — unless the claim is about the GOEXPERIMENT the build
		// failed with: then "it does not even build" contradicts it.
		if cl.Expect.Outcome != results.BuildError && cl.Cells[matrix.KeyGOEXPERIMENT] == "" {
			return "did not build: " + c.Reason
		}
	}
	// A setting the claim is about that did nothing: the cell ran without
	// it, and says nothing about it.
	for _, in := range c.Inert {
		if v := cl.Cells[matrix.KeyGODEBUG]; v != "" && strings.HasPrefix(in, "GODEBUG") {
			return "inert: " + in
		}
		if v := cl.Cells[matrix.KeyGOEXPERIMENT]; v != "" && strings.HasPrefix(in, "GOEXPERIMENT") {
			return "inert: " + in
		}
	}
	return ""
}

// meets reports whether c meets e, what was observed, and why c cannot
// be judged when it cannot.
func meets(e matrix.Expect, c *results.Cell, all []results.Cell) (ok bool, observed, why string) {
	observed = c.Outcome
	if c.Outcome == results.BuildError {
		observed += ": " + c.Reason
	}
	if c.Outcome == results.Complete && c.CompleteMS != nil {
		observed += fmt.Sprintf(" in %.1f ms", *c.CompleteMS)
	}
	if c.Runs > 1 && c.Counts != nil {
		observed += fmt.Sprintf(" (%d/%d)", c.Counts[c.Outcome], c.Runs)
	}
	if e.SameAs != "" {
		ref := counterpart(e.SameAs, c, all)
		if ref == nil {
			return false, observed, "no cell on " + e.SameAs + " with the same case and settings to compare with"
		}
		if ref.Outcome == results.Skip || ref.Outcome == results.BuildError {
			return false, observed, fmt.Sprintf("the %s cell to compare with is %s", ref.Go, ref.Outcome)
		}
		observed += fmt.Sprintf("; %s: %s", ref.Go, ref.Outcome)
		if ref.Outcome != c.Outcome {
			return false, observed, ""
		}
	}
	if e.Outcome != "" && c.Outcome != e.Outcome {
		return false, observed, ""
	}
	if r := e.CompleteMS; r != nil {
		if c.CompleteMS == nil {
			return false, observed, ""
		}
		ms := *c.CompleteMS
		if r.Min > 0 && ms < r.Min || r.Max > 0 && ms > r.Max {
			return false, observed, ""
		}
	}
	return true, observed, ""
}

// counterpart finds the cell with c's case and settings on the newest
// version that sel selects.
func counterpart(sel string, c *results.Cell, all []results.Cell) *results.Cell {
	var best *results.Cell
	for i := range all {
		x := &all[i]
		if x.Case != c.Case || x.GOMAXPROCS != c.GOMAXPROCS || x.GODEBUG != c.GODEBUG || x.GOEXPERIMENT != c.GOEXPERIMENT || x.OS != c.OS {
			continue
		}
		if !matrix.MatchVersion(sel, toolchain.Toolchain{Selector: x.Selector, Version: x.Go}) {
			continue
		}
		if best == nil || gover.Compare(x.Go, best.Go) > 0 {
			best = x
		}
	}
	return best
}

// spans names versions as ranges of consecutive entries of all:
// "go1.14.15–go1.26.8" or "go1.13.15, go1.16.15".
func spans(vs, all []string) string {
	pos := map[string]int{}
	for i, v := range all {
		pos[v] = i
	}
	var out []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && pos[vs[j+1]] == pos[vs[j]]+1 {
			j++
		}
		switch {
		case j == i:
			out = append(out, vs[i])
		case j == i+1:
			out = append(out, vs[i], vs[j])
		default:
			out = append(out, vs[i]+"–"+vs[j])
		}
		i = j + 1
	}
	return strings.Join(out, ", ")
}

func firstReason(list []string) string {
	_, why, _ := strings.Cut(list[0], ": ")
	if r := []rune(why); len(r) > 90 {
		why = string(r[:90]) + "…"
	}
	if len(list) > 1 {
		return why + ", …"
	}
	return why
}
