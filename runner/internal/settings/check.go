package settings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// CheckInert holds the cells to the promise an inert mark makes — the
// cell ran as if the setting were unset — wherever the matrix has the
// cell that proves it wrong: the same case, Go version, GOMAXPROCS,
// GOEXPERIMENT, GODEBUG and host with the inert setting removed. When
// that sibling ran and the two never had an outcome in common (over
// all their runs), the setting took effect and the detection was wrong:
// CheckInert removes the mark, so claims take the cell as evidence, and
// says so in the cell's InertError. It returns how many cells it
// corrected. Running it again changes nothing.
func CheckInert(cells []results.Cell) int {
	sib := siblings(cells)
	corrected := 0
	for i := range cells {
		c := &cells[i]
		var kept, errs []string
		for _, mark := range c.Inert {
			if e := contradiction(c, mark, sib); e != "" {
				errs = append(errs, e)
			} else {
				kept = append(kept, mark)
			}
		}
		if len(errs) == 0 {
			continue
		}
		corrected++
		c.Inert = kept
		if c.InertError != "" {
			errs = append([]string{c.InertError}, errs...)
		}
		c.InertError = strings.Join(errs, "; ")
	}
	return corrected
}

// siblings returns a function finding the cell like c but for godebug
// and goexperiment, preferring one of c's versions entry when two
// entries resolved to the same Go version; nil when there is none.
func siblings(cells []results.Cell) func(c *results.Cell, godebug, goexperiment string) *results.Cell {
	index := map[siblingKey][]int{}
	for i := range cells {
		k := keyOf(&cells[i])
		index[k] = append(index[k], i)
	}
	return func(c *results.Cell, godebug, goexperiment string) *results.Cell {
		k := keyOf(c)
		k.godebug, k.goexperiment = godebug, goexperiment
		var found *results.Cell
		for _, i := range index[k] {
			if s := &cells[i]; s.Selector == c.Selector {
				return s
			} else if found == nil {
				found = s
			}
		}
		return found
	}
}

// contradiction says how the outcomes contradict c's inert mark; "" when
// they do not, or no sibling can tell.
func contradiction(c *results.Cell, mark string, sibling func(*results.Cell, string, string) *results.Cell) string {
	said, godebug, goexperiment, ok := without(c, mark)
	if !ok {
		return ""
	}
	sib := sibling(c, godebug, goexperiment)
	if sib == nil || !contradicts(c, sib) {
		return ""
	}
	rest := ""
	if godebug != c.GODEBUG && godebug != "" {
		rest = " (GODEBUG=" + godebug + ")"
	} else if goexperiment != c.GOEXPERIMENT && goexperiment != "" {
		rest = " (GOEXPERIMENT=" + goexperiment + ")"
	}
	return fmt.Sprintf("detection error: %s, but the cell %s while the same cell without it%s %s: the setting took effect",
		said, outcomeText(c), rest, outcomeText(sib))
}

// A siblingKey is what a cell and the same cell without a setting share.
type siblingKey struct {
	kase, goVersion, os   string
	gomaxprocs            int
	godebug, goexperiment string
}

func keyOf(c *results.Cell) siblingKey {
	return siblingKey{c.Case, c.Go, c.OS, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT}
}

// without says what an inert mark of c claims, in words, and the
// GODEBUG and GOEXPERIMENT of the cell with the inert setting removed:
// only the keys or experiments the mark names, so that another key of
// the same value that did take effect stays. ok is false for a mark it
// does not recognise.
func without(c *results.Cell, mark string) (said, godebug, goexperiment string, ok bool) {
	godebug, goexperiment = c.GODEBUG, c.GOEXPERIMENT
	switch {
	case strings.HasPrefix(mark, "GODEBUG "):
		keys := inertKeys(mark)
		if keys == nil || c.GODEBUG == "" {
			return "", "", "", false
		}
		var removed []string
		godebug, removed = drop(c.GODEBUG, func(kv string) bool {
			k, _, _ := strings.Cut(kv, "=")
			return slices.Contains(keys, k)
		})
		return fmt.Sprintf("GODEBUG %s was found unknown to %s", strings.Join(removed, ","), c.Go), godebug, goexperiment, true
	case strings.HasPrefix(mark, "GOEXPERIMENT="+c.GOEXPERIMENT+" is inert:") && c.GOEXPERIMENT != "":
		// Before go1.17 the whole value is ignored.
		return fmt.Sprintf("GOEXPERIMENT=%s was found to be ignored by %s", c.GOEXPERIMENT, c.Go), godebug, "", true
	case strings.HasPrefix(mark, "GOEXPERIMENT="+c.GOEXPERIMENT+": the binary does not record ") && c.GOEXPERIMENT != "":
		list, _, _ := strings.Cut(strings.TrimPrefix(mark, "GOEXPERIMENT="+c.GOEXPERIMENT+": the binary does not record "), " ")
		missing := strings.Split(list, ",")
		var removed []string
		goexperiment, removed = drop(c.GOEXPERIMENT, func(e string) bool { return slices.Contains(missing, strings.TrimSpace(e)) })
		return fmt.Sprintf("GOEXPERIMENT=%s was found to match %s's default", strings.Join(removed, ","), c.Go), godebug, goexperiment, true
	}
	return "", "", "", false
}

// drop splits a comma-separated value into what stays and what is
// removed.
func drop(value string, remove func(string) bool) (kept string, removed []string) {
	var keep []string
	for _, part := range strings.Split(value, ",") {
		if remove(part) {
			removed = append(removed, part)
		} else {
			keep = append(keep, part)
		}
	}
	return strings.Join(keep, ","), removed
}

// contradicts reports whether c and the same cell without a setting
// show that the setting took effect: both ran, and no run of one had an
// outcome some run of the other had. Majorities alone would call two
// flaky cells of one binary different by chance.
func contradicts(c, sib *results.Cell) bool {
	if c.Outcome == results.Skip || sib.Outcome == results.Skip {
		return false // not run: says nothing
	}
	seen := outcomesOf(sib)
	for o := range outcomesOf(c) {
		if seen[o] {
			return false
		}
	}
	return true
}

func outcomesOf(c *results.Cell) map[string]bool {
	out := map[string]bool{c.Outcome: true}
	for o, n := range c.Counts {
		if n > 0 {
			out[o] = true
		}
	}
	return out
}

// outcomeText is a cell's outcome as a verb phrase: "hangs",
// "completes (3/5 runs)".
func outcomeText(c *results.Cell) string {
	verb := map[string]string{
		results.Complete:   "completes",
		results.Hang:       "hangs",
		results.Fail:       "fails",
		results.BuildError: "does not build",
	}[c.Outcome]
	if verb == "" {
		verb = "is " + c.Outcome
	}
	if c.Runs > 1 && c.Counts != nil {
		verb += fmt.Sprintf(" (%d/%d runs)", c.Counts[c.Outcome], c.Runs)
	}
	return verb
}
