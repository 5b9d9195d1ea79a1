package explain

import (
	"fmt"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// CanonicalID returns a cell ID in one spelling, so IDs copied from a
// report, from results.json or from 'runner -list' compare equal: single
// spaces, and an unset setting written "P=" whether the ID said "P=–"
// (reports), "P=-" (easier to type) or "P=" (matrix.Cell.ID).
func CanonicalID(id string) string {
	f := strings.Fields(id)
	for i, tok := range f {
		for _, k := range []string{"P=", "D=", "E=", "L="} {
			if tok == k+"–" || tok == k+"-" {
				f[i] = k
			}
		}
	}
	return strings.Join(f, " ")
}

// FindCell returns the index in cells of the cell id names: the one
// whose ID is id, else the only one whose ID starts with it.
func FindCell(cells []results.Cell, id string) (int, error) {
	q := CanonicalID(id)
	if q == "" {
		return -1, fmt.Errorf("no cell named\nhint: name a cell as reports show it, as in %q", exampleID(cells))
	}
	var prefixed []int
	for i := range cells {
		cid := CanonicalID(cells[i].ID())
		if cid == q {
			return i, nil
		}
		if strings.HasPrefix(cid, q) {
			prefixed = append(prefixed, i)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		return -1, fmt.Errorf("no cell %q in the results\nhint: %s", id, nearIDs(cells, q))
	}
	return -1, fmt.Errorf("%q names %d cells: %s\nhint: name one of them in full", id, len(prefixed), listIDs(cells, prefixed, 6))
}

// nearIDs says which cells there are: those of the case id names, else
// an example.
func nearIDs(cells []results.Cell, q string) string {
	name, _, _ := strings.Cut(q, " ")
	var same []int
	for i, c := range cells {
		if c.Case == name {
			same = append(same, i)
		}
	}
	if len(same) == 0 {
		return fmt.Sprintf("no case %q ran; cell IDs look like %q", name, exampleID(cells))
	}
	return "the cells of " + name + " are " + listIDs(cells, same, 8)
}

// listIDs quotes the IDs of cells[idx], at most max of them.
func listIDs(cells []results.Cell, idx []int, max int) string {
	var out []string
	for _, i := range idx[:min(len(idx), max)] {
		out = append(out, fmt.Sprintf("%q", cells[i].ID()))
	}
	if len(idx) > max {
		out = append(out, fmt.Sprintf("and %d more", len(idx)-max))
	}
	return strings.Join(out, ", ")
}

func exampleID(cells []results.Cell) string {
	if len(cells) > 0 {
		return cells[0].ID()
	}
	return "loopvar go1.26.8 P=– D=– E=– L=1.22"
}
