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

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Evaluate returns the verdict of each claim over cells.
func Evaluate(claims []matrix.Claim, cells []results.Cell) []results.Claim {
	out := make([]results.Claim, 0, len(claims))
	for _, c := range claims {
		out = append(out, evaluate(c, cells))
	}
	return out
}

// AgainstPrevious marks unstable each claim of r whose verdict differs
// from the one prev gave, when prev is a complete run of the same
// resolved matrix (its matrix_hash) on a host of the same shape: a rerun
// of the same inputs that contradicts a verdict means neither run settles
// it, and the report must not say "holds" as if it did.
func AgainstPrevious(r, prev *results.Results) {
	if prev == nil || !prev.Complete || prev.MatrixHash == "" || prev.MatrixHash != r.MatrixHash || prev.Host != r.Host {
		return
	}
	// A claim is the same claim only with the same selection and
	// expectation: an edited claim is a new question, not a rerun.
	key := func(c results.Claim) string { return c.ID + "\x00" + c.Cells + "\x00" + c.Expect }
	before := map[string]string{}
	for _, c := range prev.Claims {
		before[key(c)] = observed(c)
	}
	for i := range r.Claims {
		c := &r.Claims[i]
		was, ok := before[key(*c)]
		now := observed(*c)
		if !ok || was == now {
			continue
		}
		c.Observed, c.Verdict = now, results.Unstable
		c.Unstable = append(c.Unstable, fmt.Sprintf("the run of %s with the same inputs on this host gave %s; this run gives %s", prev.Started.Format("2006-01-02 15:04 MST"), was, now))
		c.Summary = fmt.Sprintf("two runs of the same inputs disagree (%s, then %s), so neither settles it; this run: %s", was, now, c.Summary)
	}
}

// observed is the verdict a claim's own cells gave.
func observed(c results.Claim) string {
	if c.Observed != "" {
		return c.Observed
	}
	return c.Verdict
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
		case matrix.KeyGoLine:
			if v != c.GoLineAxis {
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
	if n+len(r.Unstable) == 0 {
		r.Verdict, r.Summary = results.Untested, untestedSummary(r.Excluded)
		return r
	}
	n += len(r.Unstable)
	r.Verdict = verdict(len(r.Holding), len(r.Contradicting), len(r.Flaky), len(r.Unstable))
	switch r.Verdict {
	case results.Flaky:
		r.Summary = fmt.Sprintf("%d of %d cells gave different outcomes on repeats, so the run cannot settle it", len(r.Flaky), n)
	case results.Unstable:
		r.Summary = fmt.Sprintf("the runs of %d of %d cells disagree on the timing bound, so the run cannot settle it", len(r.Unstable), n)
	}
	if s := t.summary(); s != "" && r.Summary != "" {
		r.Summary += "; " + s
	} else {
		r.Summary += s
	}
	r.Summary += fmt.Sprintf(" (%d of %d cells as expected", len(r.Holding), n)
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
		line := c.ID() + ": " + observed
		if ok == mixed {
			r.Unstable = append(r.Unstable, line)
			continue
		}
		t.add(c.Go, ok == held)
		if c.Flaky {
			r.Flaky = append(r.Flaky, line)
		}
		if ok == held {
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
// held, contra contradicted it, flaky were flaky, unstable had runs on
// both sides of a timing bound.
func verdict(held, contra, flaky, unstable int) string {
	switch {
	case flaky > 0:
		return results.Flaky
	case unstable > 0:
		return results.Unstable
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

// A judgement is what a cell says of a claim.
type judgement int

const (
	contradicted judgement = iota
	held
	mixed // its runs lie on both sides of a timing bound
)

// meets judges whether c meets e, says what was observed, and why c
// cannot be judged when it cannot.
func meets(e matrix.Expect, c *results.Cell, all []results.Cell) (j judgement, observed, why string) {
	observed = observe(c)
	if e.SameAs != "" {
		ref := counterpart(e.SameAs, c, all)
		if ref == nil {
			return contradicted, observed, "no cell on " + e.SameAs + " with the same case and settings to compare with"
		}
		if ref.Outcome == results.Skip || ref.Outcome == results.BuildError {
			return contradicted, observed, fmt.Sprintf("the %s cell to compare with is %s", ref.Go, ref.Outcome)
		}
		observed += fmt.Sprintf("; %s: %s", ref.Go, ref.Outcome)
		if ref.Outcome != c.Outcome {
			return contradicted, observed, ""
		}
	}
	if e.Outcome != "" && c.Outcome != e.Outcome {
		return contradicted, observed, ""
	}
	if r := e.CompleteMS; r != nil {
		j, outside := inRange(r, c)
		if outside != "" {
			observed += "; " + outside
		}
		return j, observed, ""
	}
	return held, observed, ""
}

// observe says what c showed: "complete in 12.1 ms (10.7–16.5, ±0.9, 5 runs) (5/5)".
func observe(c *results.Cell) string {
	observed := c.Outcome
	if c.Outcome == results.BuildError {
		observed += ": " + c.Reason
	}
	if s, ok := results.SpreadOf(c.CompleteTimes()); ok && c.Outcome == results.Complete {
		observed += " in " + s.String()
	}
	if c.Runs > 1 && c.Counts != nil {
		observed += fmt.Sprintf(" (%d/%d)", c.Counts[c.Outcome], c.Runs)
	}
	return observed
}

// inRange judges c's complete_ms against r: every run's, or the median,
// as r.Of says. outside lists the runs outside the range.
func inRange(r *matrix.Range, c *results.Cell) (j judgement, outside string) {
	times := c.CompleteTimes()
	if len(times) == 0 || c.CompleteMS == nil {
		return contradicted, ""
	}
	var out []string
	in := 0
	for i, t := range c.Timings {
		if t.CompleteMS == nil {
			continue
		}
		if r.Contains(*t.CompleteMS) {
			in++
		} else {
			out = append(out, fmt.Sprintf("run %d (%.1f ms)", i+1, *t.CompleteMS))
		}
	}
	if len(out) > 0 {
		outside = "outside the range: " + strings.Join(out, ", ")
	}
	switch {
	case r.Of == matrix.OfMedian || len(c.Timings) == 0:
		if r.Contains(*c.CompleteMS) {
			return held, outside
		}
		return contradicted, outside
	case len(out) == 0:
		return held, ""
	case in == 0:
		return contradicted, outside
	}
	return mixed, outside
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
