package matrix

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// MaxCells bounds a matrix's size: past it, expansion is refused before
// any cell is allocated, rather than exhausting memory.
const MaxCells = 1_000_000

// A Cell is one combination to build and run: a case under one toolchain
// with one GOMAXPROCS, GODEBUG and GOEXPERIMENT value.
type Cell struct {
	Case         *Case
	Toolchain    toolchain.Toolchain
	GOMAXPROCS   int    // 0: unset
	GODEBUG      string // "": unset
	GOEXPERIMENT string // "": unset
	// GoLine is the go_line axis value: "" unset (the case's own go.mod,
	// else the toolchain's language), "toolchain", or a version ("1.22").
	GoLine       string
	Env          []string      // matrix env, then case env, then include env
	Timeout      time.Duration // run timeout
	BuildTimeout time.Duration
	Repeat       int   // runs of this cell
	MemoryLimit  int64 // bytes of resident memory a run may use
	// Skip, when not empty, says why the cell is not run (the case's go
	// constraint excludes the version, or the toolchain is unavailable).
	Skip string
	// Timed is set when a claim bounds the cell's complete_ms: the runner's
	// own clock is then part of what the cell measures, so its runs leave
	// a core free for the runner (see package scheduler).
	Timed bool
}

// ID names the cell uniquely within a matrix, in the form used by
// filters and reports: "busyloop go1.26.8 P=1 D=asyncpreemptoff=1", an
// unset setting left out.
func (c *Cell) ID() string {
	return c.Case.Name + " " + c.Toolchain.Version + " " + c.Settings()
}

func procsString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Settings names the cell's runtime settings as reports do, leaving out
// those it does not set: "P=1 D=asyncpreemptoff=1", "P=1 L=1.22".
func (c *Cell) Settings() string {
	return results.SettingsName(c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLine)
}

// Matches reports whether the cell satisfies every key of m. case
// compares as a glob over the case name; version matches the selector as
// written or, as a constraint, the resolved version ("1.14" matches
// go1.14.15); the other keys compare exactly ("" is unset).
func (c *Cell) Matches(m Match) bool {
	for k, v := range m {
		if !c.matchKey(k, v) {
			return false
		}
	}
	return true
}

func (c *Cell) matchKey(k, v string) bool {
	switch k {
	case KeyCase:
		ok, _ := path.Match(v, c.Case.Name)
		return ok || v == c.Case.Rel
	case KeyVersion:
		return MatchVersion(v, c.Toolchain)
	case KeyGOMAXPROCS:
		return v == strconv.Itoa(c.GOMAXPROCS) || v == "" && c.GOMAXPROCS == 0
	case KeyGODEBUG:
		return v == c.GODEBUG
	case KeyGOEXPERIMENT:
		return v == c.GOEXPERIMENT
	case KeyGoLine:
		return v == c.GoLine
	}
	return false
}

// MatchVersion reports whether a version value from an include, exclude
// or filter selects toolchain t: equal to its selector, or a constraint
// its version satisfies.
func MatchVersion(v string, t toolchain.Toolchain) bool {
	if v == t.Selector || gover.Normalize(v) != "" && gover.Normalize(v) == t.Version {
		return true
	}
	if t.Version == "" {
		return false
	}
	c, err := gover.ParseConstraint(v)
	return err == nil && !c.IsZero() && c.Match(t.Version)
}

// Selectors returns every toolchain selector the matrix needs resolved:
// its versions, then include versions that are not among them.
func (m *Matrix) Selectors() []string {
	out := append([]string(nil), m.Versions...)
	for _, inc := range m.Include {
		if v, ok := inc.Match[KeyVersion]; ok && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Expand returns the matrix's cells: toolchains × cases × gomaxprocs ×
// godebug × goexperiment × go_line, each case's lists narrowing the
// matrix's (see Case.Axes), less exclude, plus include. toolchains maps
// every selector of m.Selectors() to what it resolved to.
func (m *Matrix) Expand(cases []*Case, toolchains map[string][]toolchain.Toolchain) ([]*Cell, error) {
	var tcs []toolchain.Toolchain
	for _, sel := range m.Versions {
		tcs = append(tcs, toolchains[sel]...)
	}
	all := m.axes(tcs)
	if n, ok := all.size(len(cases)); !ok || n > MaxCells {
		return nil, fmt.Errorf("%s: the matrix has %d toolchains × %d cases × %d × %d × %d × %d settings, more than the limit of %d cells\nhint: split it, or use exclude", m.File, len(tcs), len(cases), len(m.GOMAXPROCS), len(m.GODEBUG), len(m.GOEXPERIMENT), len(m.GoLine), MaxCells)
	}
	perCase, err := narrowAll(cases, all)
	if err != nil {
		return nil, err
	}
	var cells []*Cell
	for _, tc := range tcs {
		for i, c := range cases {
			if perCase[i].has(tc) {
				cells = m.appendCells(cells, c, tc, perCase[i])
			}
		}
	}
	cells, err = m.include(m.exclude(cells), cases, perCase, toolchains)
	m.markTimed(cells)
	return cells, err
}

// narrowAll returns each case's axes: the matrix's, narrowed by the case.
func narrowAll(cases []*Case, all axes) ([]axes, error) {
	var errs ErrorList
	out := make([]axes, len(cases))
	for i, c := range cases {
		a, err := c.narrow(all)
		errs = append(errs, err...)
		out[i] = a
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// markTimed marks the cells a claim with a complete_ms bound selects.
func (m *Matrix) markTimed(cells []*Cell) {
	for _, cl := range m.Claims {
		if cl.Expect.CompleteMS == nil {
			continue
		}
		for _, c := range cells {
			c.Timed = c.Timed || c.Matches(cl.Cells)
		}
	}
}

// appendCells adds the cells of one case and toolchain over a's setting
// values.
func (m *Matrix) appendCells(cells []*Cell, c *Case, tc toolchain.Toolchain, a axes) []*Cell {
	for _, p := range a.procs {
		for _, d := range a.debugs {
			for _, e := range a.exps {
				for _, l := range a.lines {
					cell := &Cell{
						Case: c, Toolchain: tc, GOMAXPROCS: p, GODEBUG: d, GOEXPERIMENT: e, GoLine: l,
						Env:          append(append([]string(nil), m.Env...), c.Env...),
						Timeout:      pick(c.Timeout, m.Timeout),
						BuildTimeout: pick(c.BuildTimeout, m.BuildTimeout),
						Repeat:       pick(c.Repeat, m.Repeat),
						MemoryLimit:  pick(c.MemoryLimit, pick(m.MemoryLimit, DefaultMemoryLimit())),
					}
					cell.Skip = SkipReason(cell)
					cells = append(cells, cell)
				}
			}
		}
	}
	return cells
}

func pick[T comparable](v, def T) T {
	var zero T
	if v != zero {
		return v
	}
	return def
}

// SkipReason says why cell c is not run, "" when it is: its toolchain
// is unavailable, the case's go constraint excludes it, or its go line is
// newer than the toolchain.
func SkipReason(c *Cell) string {
	if c.Toolchain.Error != "" {
		return "toolchain unavailable: " + firstLine(c.Toolchain.Error)
	}
	if !c.Case.Go.IsZero() && !c.Case.Go.Match(c.Toolchain.Version) {
		return fmt.Sprintf("case requires go %s", c.Case.Go)
	}
	return goLineSkip(c.GoLine, c.Toolchain.Version)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (m *Matrix) exclude(cells []*Cell) []*Cell {
	if len(m.Exclude) == 0 {
		return cells
	}
	out := cells[:0]
	for _, c := range cells {
		if !m.excluded(c) {
			out = append(out, c)
		}
	}
	return out
}

func (m *Matrix) excluded(c *Cell) bool {
	for _, ex := range m.Exclude {
		if c.Matches(ex) {
			return true
		}
	}
	return false
}

// include applies include entries in order: an entry extends the cells
// its axis keys match; an entry that matches none adds cells.
func (m *Matrix) include(cells []*Cell, cases []*Case, perCase []axes, toolchains map[string][]toolchain.Toolchain) ([]*Cell, error) {
	for _, inc := range m.Include {
		matched := false
		for _, c := range cells {
			if c.Matches(inc.Match) {
				matched = true
				extend(c, inc)
			}
		}
		if matched {
			continue
		}
		before := len(cells)
		for i, c := range cases {
			if v, ok := inc.Match[KeyCase]; ok {
				if ok, _ := path.Match(v, c.Name); !ok && v != c.Rel {
					continue
				}
			}
			cells = m.appendIncluded(cells, c, inc, perCase[i].pin(inc.Match), m.includeToolchains(inc, toolchains))
			if len(cells) > MaxCells {
				return nil, fmt.Errorf("%s: include adds more than the limit of %d cells", inc.Pos, MaxCells)
			}
		}
		if len(cells) == before {
			return nil, &Error{File: inc.Pos.File, Line: inc.Pos.Line, Col: inc.Pos.Col, Key: "include",
				Msg:  fmt.Sprintf("entry %s matches no cell and adds none", formatMatch(inc.Match)),
				Hint: "an include that adds cells needs a case the matrix has and a version that resolves"}
		}
	}
	return cells, nil
}

// includeToolchains are the toolchains an adding include entry covers:
// its version's, else the matrix's.
func (m *Matrix) includeToolchains(inc Include, toolchains map[string][]toolchain.Toolchain) []toolchain.Toolchain {
	if v, ok := inc.Match[KeyVersion]; ok {
		return toolchains[v]
	}
	var tcs []toolchain.Toolchain
	for _, sel := range m.Versions {
		tcs = append(tcs, toolchains[sel]...)
	}
	return tcs
}

// appendIncluded adds the cells an include entry adds for case c.
func (m *Matrix) appendIncluded(cells []*Cell, c *Case, inc Include, a axes, tcs []toolchain.Toolchain) []*Cell {
	for _, tc := range tcs {
		before := len(cells)
		cells = m.appendCells(cells, c, tc, a)
		for _, nc := range cells[before:] {
			extend(nc, inc)
		}
	}
	return cells
}

func extend(c *Cell, inc Include) {
	c.Env = append(c.Env, inc.Env...)
	if inc.Timeout != 0 {
		c.Timeout = inc.Timeout
	}
}

func formatMatch(m Match) string {
	var parts []string
	for _, k := range AxisKeys {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v))
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// A Filter selects cells by axis values: a cell passes when, for every
// key the filter names, it matches one of that key's values.
type Filter map[string][]string

// Add parses one filter flag value, "key=value", and adds it. The value
// may itself hold "=" and "," (godebug=asyncpreemptoff=1,panicnil=1).
func (f Filter) Add(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("filter %q is not key=value\nhint: keys are %s", s, strings.Join(AxisKeys, ", "))
	}
	if !contains(AxisKeys, k) {
		return fmt.Errorf("filter %q: unknown key %q%s\nhint: keys are %s", s, k, suggest(k, AxisKeys), strings.Join(AxisKeys, ", "))
	}
	f[k] = append(f[k], v)
	return nil
}

// Keep reports whether c passes the filter.
func (f Filter) Keep(c *Cell) bool {
	for k, vals := range f {
		ok := false
		for _, v := range vals {
			if c.matchKey(k, v) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
