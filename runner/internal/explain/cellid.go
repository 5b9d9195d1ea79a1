package explain

import (
	"fmt"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// settingKeys are the settings a cell name may name, in the order names
// show them: GOMAXPROCS, GODEBUG, GOEXPERIMENT, go line.
var settingKeys = []string{"P", "D", "E", "L"}

// A cellName is a cell name taken apart: "busyloop go1.13.15 P=1 D=–
// [linux/amd64]" is the words busyloop and go1.13.15, GOMAXPROCS 1 and
// GODEBUG named unset, and the host.
type cellName struct {
	words []string          // the case, then the version (or selector)
	set   map[string]string // setting key → value the name gives it; "" named unset
	host  string            // "[linux/amd64]", or ""
	// The last token may be cut short in a name typed short: the last
	// word when lastWord is set, else the value of setting lastKey, if
	// any — all of it when lastBare: "L=" ends a name being typed, where
	// "L=–" names the setting unset.
	lastWord, lastBare bool
	lastKey            string
}

// parseName takes a cell name apart. It reads today's names, which leave
// an unset setting out ("busyloop go1.13.15 P=1"), and the names of
// earlier runners and of matrix cells, which give it as "P=–", "P=" or,
// easier to type, "P=-".
func parseName(id string) cellName {
	n := cellName{set: map[string]string{}}
	for i, tok := range strings.Fields(id) {
		k, v, isSetting := strings.Cut(tok, "=")
		switch {
		case i > 0 && isSetting && isSettingKey(k):
			n.lastKey, n.lastWord, n.lastBare = k, false, v == ""
			if v == "–" || v == "-" {
				v = ""
			}
			n.set[k] = v
		case i > 0 && strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, "]"):
			n.host, n.lastKey, n.lastWord, n.lastBare = tok, "", false, false
		default:
			n.words, n.lastKey, n.lastWord, n.lastBare = append(n.words, tok), "", true, false
		}
	}
	return n
}

func isSettingKey(k string) bool {
	for _, s := range settingKeys {
		if k == s {
			return true
		}
	}
	return false
}

// canonical spells n one way: its words, the settings it sets in the
// order names show them, its host.
func (n cellName) canonical() string {
	out := append([]string(nil), n.words...)
	for _, k := range settingKeys {
		if v := n.set[k]; v != "" {
			out = append(out, k+"="+v)
		}
	}
	if n.host != "" {
		out = append(out, n.host)
	}
	return strings.Join(out, " ")
}

// CanonicalID returns a cell name in one spelling, so names copied from
// a report, from results.json (of this runner or of an earlier one) or
// from 'runner -list' compare equal: single spaces, and an unset setting
// left out whether the name left it out (today's reports), said "P=–"
// (earlier reports), "P=-" (easier to type) or "P=" (matrix.Cell.ID).
func CanonicalID(id string) string { return parseName(id).canonical() }

// matchesPrefix reports whether q names c by its beginning: q's words
// begin c's, every setting q names has that value in c (named unset: c
// leaves it unset), and q's host, if any, is c's. The last token of q
// may be cut short: a word or a value that c's only begins with ("L="
// last begins any go line).
func (q cellName) matchesPrefix(c cellName) bool {
	if len(q.words) > len(c.words) || q.host != "" && q.host != c.host {
		return false
	}
	for i, w := range q.words {
		if w != c.words[i] && !(q.lastWord && i == len(q.words)-1 && strings.HasPrefix(c.words[i], w)) {
			return false
		}
	}
	for k, v := range q.set {
		cv := c.set[k]
		if v != cv && !(k == q.lastKey && (q.lastBare || v != "" && strings.HasPrefix(cv, v))) {
			return false
		}
	}
	return true
}

// FindCell returns the index in cells of the cell id names: the one
// whose name is id (in any of the spellings CanonicalID reads), else the
// only one id names by its beginning (see matchesPrefix), as
// "loopvar go1.26.8" names the only cell of loopvar on go1.26.8.
func FindCell(cells []results.Cell, id string) (int, error) {
	q := parseName(id)
	if len(q.words) == 0 {
		return -1, fmt.Errorf("no cell named\nhint: name a cell as reports show it, as in %q", exampleID(cells))
	}
	want := q.canonical()
	var prefixed []int
	for i := range cells {
		c := parseName(cells[i].ID())
		if c.canonical() == want {
			return i, nil
		}
		if q.matchesPrefix(c) {
			prefixed = append(prefixed, i)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		return -1, fmt.Errorf("no cell %q in the results\nhint: %s", id, nearIDs(cells, q.words[0]))
	}
	return -1, fmt.Errorf("%q names %d cells: %s\nhint: name one of them in full", id, len(prefixed), listIDs(cells, prefixed, 6))
}

// nearIDs says which cells there are: those of the case called name,
// else an example.
func nearIDs(cells []results.Cell, name string) string {
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
	return "loopvar go1.26.8 L=1.22"
}
