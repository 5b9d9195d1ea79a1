package matrix

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A Claim is a statement about behaviour, checked against a run's cells:
// the cells it selects should all meet its expectation.
type Claim struct {
	ID     string // id
	Text   string // claim: the statement, in words
	Source string // source: where the statement comes from (optional)
	Cells  Match  // cells: the cells it is about (same keys as exclude)
	Expect Expect // expect
	Pos    Pos
}

// An Expect is what a claim's cells should show.
type Expect struct {
	// Outcome is the outcome every cell should have (expect: hang, or
	// expect: {outcome: hang}).
	Outcome string
	// CompleteMS, when set, bounds the time until completion of complete
	// cells (expect: {outcome: complete, complete_ms: {min: 9, max: 25}}).
	CompleteMS *Range
	// SameAs, when set, asks each cell to have the outcome of the cell
	// with the same case and settings on the versions SameAs selects
	// (expect: {same_as: "1.14"}).
	SameAs string
}

// A Range is an interval of milliseconds; a zero bound is open.
type Range struct {
	Min, Max float64
	// Of says which figures of a cell with several runs must lie in the
	// range (of): "every" (the default) each run's, so a cell whose runs
	// disagree is unstable; "median" the median of its runs, the runs
	// outside the range then listed as outliers.
	Of string
}

// Bounds of a Range.Of.
const (
	OfEvery  = "every"
	OfMedian = "median"
)

// Contains reports whether ms lies in r.
func (r *Range) Contains(ms float64) bool {
	return !(r.Min > 0 && ms < r.Min || r.Max > 0 && ms > r.Max)
}

// String formats the expectation as reports show it.
func (e Expect) String() string {
	var parts []string
	if e.Outcome != "" {
		parts = append(parts, e.Outcome)
	}
	if r := e.CompleteMS; r != nil {
		switch {
		case r.Min > 0 && r.Max > 0:
			parts = append(parts, fmt.Sprintf("within %g–%g ms", r.Min, r.Max))
		case r.Max > 0:
			parts = append(parts, fmt.Sprintf("within %g ms", r.Max))
		default:
			parts = append(parts, fmt.Sprintf("after at least %g ms", r.Min))
		}
		if r.Of == OfMedian {
			parts[len(parts)-1] += " (the median of its runs)"
		}
	}
	if e.SameAs != "" {
		parts = append(parts, "same outcome as on "+e.SameAs)
	}
	return strings.Join(parts, ", ")
}

// String formats a selection as reports show it: "case=busyloop version=<1.14".
func (m Match) String() string {
	var parts []string
	for _, k := range AxisKeys {
		if v, ok := m[k]; ok {
			if v == "" {
				v = `""`
			} else if strings.ContainsAny(v, " ") {
				v = `"` + v + `"`
			}
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return "every cell"
	}
	return strings.Join(parts, " ")
}

var claimKeys = []string{"id", "claim", "source", "cells", "expect"}

// claimOutcomes are the outcomes a claim may expect: every outcome but skip.
var claimOutcomes = []string{results.Complete, results.Hang, results.Fail, results.BuildError}

func (d *decoder) claims(n *yaml.Node) []Claim {
	var out []Claim
	ids := map[string]bool{}
	for i, item := range d.seq(n, "claims", true) {
		key := fmt.Sprintf("claims[%d]", i)
		c := Claim{Pos: Pos{d.file, item.Line, item.Column}}
		before := len(d.errs)
		fs := d.fields(item, key, claimKeys)
		for _, f := range fs {
			k := join(key, f.key)
			switch f.key {
			case "id":
				c.ID, _ = d.strictStr(f.value, k)
				if ids[c.ID] {
					d.errorf(f.value, k, "", "duplicate claim id %q", c.ID)
				}
				ids[c.ID] = true
			case "claim":
				c.Text, _ = d.str(f.value, k)
			case "source":
				c.Source, _ = d.str(f.value, k)
			case "cells":
				c.Cells = d.match(f.value, k, AxisKeys)
			case "expect":
				c.Expect = d.expect(f.value, k)
			}
		}
		if len(d.errs) > before || item.Kind != yaml.MappingNode {
			continue
		}
		for _, req := range []string{"id", "claim", "cells", "expect"} {
			if !slices.ContainsFunc(fs, func(f field) bool { return f.key == req }) {
				d.errorf(item, key, "a claim has id, claim, cells and expect", "missing %s", req)
			}
		}
		out = append(out, c)
	}
	return out
}

func (d *decoder) expect(n *yaml.Node, key string) Expect {
	const hint = "write expect: hang, or expect: {outcome: complete, complete_ms: {max: 25}}, or expect: {same_as: \"1.14\"}"
	var e Expect
	if n.Kind == yaml.ScalarNode {
		s, ok := d.str(n, key)
		if ok && !slices.Contains(claimOutcomes, s) {
			d.errorf(n, key, hint, "unknown outcome %q (want one of %s)", s, strings.Join(claimOutcomes, ", "))
		}
		e.Outcome = s
		return e
	}
	for _, f := range d.fields(n, key, []string{"outcome", "complete_ms", "same_as"}) {
		k := join(key, f.key)
		switch f.key {
		case "outcome":
			s, ok := d.str(f.value, k)
			if ok && !slices.Contains(claimOutcomes, s) {
				d.errorf(f.value, k, hint, "unknown outcome %q (want one of %s)", s, strings.Join(claimOutcomes, ", "))
			}
			e.Outcome = s
		case "complete_ms":
			e.CompleteMS = d.rangeMS(f.value, k)
		case "same_as":
			e.SameAs, _ = d.strictStr(f.value, k)
		}
	}
	if e.Outcome == "" && e.SameAs == "" {
		d.errorf(n, key, hint, "expect needs an outcome or same_as")
	}
	if e.CompleteMS != nil && e.Outcome != results.Complete {
		d.errorf(n, key, "", "complete_ms applies to outcome complete")
	}
	return e
}

// rangeMS reads complete_ms: {min: N, max: N, of: every|median}.
func (d *decoder) rangeMS(n *yaml.Node, key string) *Range {
	r := &Range{Of: OfEvery}
	for _, g := range d.fields(n, key, []string{"min", "max", "of"}) {
		if g.key == "of" {
			s, ok := d.str(g.value, join(key, g.key))
			if ok && s != OfEvery && s != OfMedian {
				d.errorf(g.value, join(key, g.key), "of: every checks each run's complete_ms (the default); of: median the median of a cell's runs", "unknown value %q", s)
			}
			r.Of = s
			continue
		}
		v, ok := d.number(g.value, join(key, g.key))
		if !ok {
			continue
		}
		if g.key == "min" {
			r.Min = v
		} else {
			r.Max = v
		}
	}
	if r.Max > 0 && r.Min > r.Max {
		d.errorf(n, key, "", "min %g is above max %g", r.Min, r.Max)
	}
	return r
}

func (d *decoder) number(n *yaml.Node, key string) (float64, bool) {
	var v float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&v) != nil || v < 0 {
		d.errorf(n, key, "", "want a number of milliseconds, found %s", kindName(n))
		return 0, false
	}
	return v, true
}
