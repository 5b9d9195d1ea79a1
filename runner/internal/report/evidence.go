package report

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Roles a cell plays in a claim's evidence, after the lists of
// results.Claim that name it.
const (
	Holding       = "holding"       // met the claim's expectation
	Contradicting = "contradicting" // did not: an unexpected outcome
	FlakyEvidence = "flaky"         // its repeats disagreed
	Excluded      = "excluded"      // selected, but could not be evidence
)

// A ClaimRef is one mention of a cell in a claim's evidence.
type ClaimRef struct {
	Claim *results.Claim
	Role  string // Holding, Contradicting, FlakyEvidence or Excluded
	// Detail is what the claim's list says of the cell after its ID:
	// "complete in 3.0 ms", "inert: GOEXPERIMENT=… is inert".
	Detail string
}

// Evidence maps the ID of each cell of r that a claim names (see
// results.Cell.ID) to the mentions, in the order of r.Claims and, within
// a claim, holding, contradicting, flaky, excluded.
//
// The claims' lists hold lines "ID: detail"; a line is matched to a cell
// by its ID rather than split at the first colon, since a GODEBUG value
// may hold one. The claims of results.json files from earlier runners
// name cells by their LegacyID ("busyloop go1.13.15 P=1 D=– E=–"): those
// are matched too.
func Evidence(r *results.Results) map[string][]ClaimRef {
	names := cellNames(r.Cells)
	out := map[string][]ClaimRef{}
	for i := range r.Claims {
		cl := &r.Claims[i]
		for _, l := range []struct {
			role  string
			lines []string
		}{{Holding, cl.Holding}, {Contradicting, cl.Contradicting}, {FlakyEvidence, cl.Flaky}, {Excluded, cl.Excluded}} {
			for _, line := range l.lines {
				if ci, detail, ok := splitEvidence(line, names); ok {
					id := r.Cells[ci].ID()
					out[id] = append(out[id], ClaimRef{Claim: cl, Role: l.role, Detail: detail})
				}
			}
		}
	}
	return out
}

// cellNames maps each name a claim's line may give a cell of cells — its
// ID, and the LegacyID earlier runners named it by — to its index.
func cellNames(cells []results.Cell) map[string]int {
	names := make(map[string]int, 2*len(cells))
	for i := range cells {
		names[cells[i].LegacyID()] = i
	}
	for i := range cells {
		names[cells[i].ID()] = i // today's name wins any clash
	}
	return names
}

// splitEvidence splits "name: detail" where name is one of names: the
// index names gives it, and what follows it ("" when the line is the
// name alone).
func splitEvidence(line string, names map[string]int) (cell int, detail string, ok bool) {
	n, ci := nameEnd(line, names)
	if n < 0 {
		return -1, "", false
	}
	if n == len(line) {
		return ci, "", true
	}
	return ci, line[n+2:], true
}

// nameEnd returns where the name of a cell ends in line ("name" or
// "name: detail"), and the cell's index; -1, -1 when line starts with
// none of names.
func nameEnd(line string, names map[string]int) (end, cell int) {
	for i := 0; ; {
		j := strings.Index(line[i:], ": ")
		if j < 0 {
			if ci, ok := names[line]; ok {
				return len(line), ci
			}
			return -1, -1
		}
		i += j
		if ci, ok := names[line[:i]]; ok {
			return i, ci
		}
		i += 2
	}
}

// evidenceText is a line of a claim's evidence as reports show it: the
// cell it names by its ID, whichever name the line gave it (an earlier
// runner's LegacyID), then what the line says of it; with the index of
// the cell, -1 when it names none (the line is then shown as it is).
func evidenceText(line string, cells []results.Cell, names map[string]int) (string, int) {
	n, ci := nameEnd(line, names)
	if n < 0 {
		return line, -1
	}
	return cells[ci].ID() + line[n:], ci
}

// Unexpected returns the cells of r that contradict a claim, in the
// order of r.Cells, each with the claims it contradicts.
func Unexpected(r *results.Results) []UnexpectedCell {
	ev := Evidence(r)
	var out []UnexpectedCell
	for i := range r.Cells {
		c := &r.Cells[i]
		var refs []ClaimRef
		for _, ref := range ev[c.ID()] {
			if ref.Role == Contradicting {
				refs = append(refs, ref)
			}
		}
		if len(refs) > 0 {
			out = append(out, UnexpectedCell{Cell: c, Claims: refs})
		}
	}
	return out
}

// An UnexpectedCell is a cell that contradicts one or more claims.
type UnexpectedCell struct {
	Cell   *results.Cell
	Claims []ClaimRef // the Contradicting mentions
}

// Message says in one line why the cell is unexpected:
// "contradicts C2 (expected hang): complete in 3.0 ms".
func (u UnexpectedCell) Message() string {
	var parts []string
	for _, ref := range u.Claims {
		parts = append(parts, ref.Claim.ID+" (expected "+ref.Claim.Expect+")")
	}
	detail := u.Claims[0].Detail
	if detail == "" {
		detail = u.Cell.Outcome
	}
	return "contradicts " + strings.Join(parts, ", ") + ": " + detail
}

// outcomeCounts counts cells per outcome.
func outcomeCounts(cells []results.Cell) map[string]int {
	counts := map[string]int{}
	for i := range cells {
		counts[cells[i].Outcome]++
	}
	return counts
}

// countsText renders a cell's per-run counts, majority first, each as
// outcome+sep+count, joined by join: ("complete 2, hang 1").
func countsText(c *results.Cell, sep, join string) string {
	keys := make([]string, 0, len(c.Counts))
	for k := range c.Counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := c.Counts[keys[i]], c.Counts[keys[j]]; a != b {
			return a > b
		}
		return outcomeRank(keys[i]) < outcomeRank(keys[j])
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + sep + strconv.Itoa(c.Counts[k])
	}
	return strings.Join(parts, join)
}

// outcomeRank orders outcomes as results.Outcomes lists them.
func outcomeRank(o string) int {
	for i, x := range results.Outcomes {
		if x == o {
			return i
		}
	}
	return len(results.Outcomes)
}
