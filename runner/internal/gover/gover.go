// Package gover compares Go release versions and matches them against
// version constraints such as ">=1.14 <1.17".
//
// Versions are accepted with or without the "go" prefix ("1.13.15",
// "go1.13.15", "go1.21rc1") and compared with the standard library's
// go/version, so pre-releases order the way the Go project orders them:
// go1.21 < go1.21rc1 < go1.21.0 < go1.21.1.
package gover

import (
	"fmt"
	"go/version"
	"strings"
)

// Normalize returns v with the "go" prefix, or "" if v is not a valid Go
// version. " X:..." experiment suffixes are dropped.
func Normalize(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ' '); i >= 0 {
		v = v[:i]
	}
	if !strings.HasPrefix(v, "go") {
		v = "go" + v
	}
	if !version.IsValid(v) {
		return ""
	}
	return v
}

// IsValid reports whether v is a valid Go version, with or without prefix.
func IsValid(v string) bool { return Normalize(v) != "" }

// Compare returns -1, 0 or +1 as a is less than, equal to or greater than b.
// Invalid versions compare less than valid ones and equal to each other.
func Compare(a, b string) int { return version.Compare(Normalize(a), Normalize(b)) }

// Lang returns the language version of v ("go1.21.3" → "go1.21",
// "go1.13.15" → "go1.13"), or "" if v is invalid.
func Lang(v string) string { return version.Lang(Normalize(v)) }

// NextLang returns the language version after lang: "go1.18" after
// "go1.17" (or "1.17").
func NextLang(lang string) string {
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(lang, "go"), "%d.%d", &major, &minor); err != nil {
		return ""
	}
	return fmt.Sprintf("go%d.%d", major, minor+1)
}

// IsRelease reports whether v names a final release (not a beta or rc).
func IsRelease(v string) bool {
	n := Normalize(v)
	return n != "" && !strings.ContainsAny(strings.TrimPrefix(n, "go"), "abcdefghijklmnopqrstuvwxyz")
}

// IsLangOnly reports whether v names only a language version ("1.14",
// "go1.14", "1.14.x") rather than a release ("1.14.2", "1.21rc1").
func IsLangOnly(v string) bool {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "go"), ".x")
	n := Normalize(v)
	return n != "" && n == version.Lang(n) && !strings.ContainsAny(v[1:], "abcdefghijklmnopqrstuvwxyz")
}

// A Constraint is a conjunction of version bounds, written as
// space-separated terms: ">=1.14 <1.17", "1.16", "1.16.x", "go1.16.15",
// "<=1.16", "!=1.15". A bound that names only a minor version ("1.16")
// compares language versions, so "<=1.16" admits go1.16.15 and "<1.17"
// excludes go1.17rc1. A bound with a patch or pre-release compares exactly.
type Constraint struct {
	src   string
	terms []term
}

type term struct {
	op   string // one of = != < <= > >=
	v    string // normalized version
	lang bool   // compare language versions
}

// ParseConstraint parses s. An empty constraint matches every version.
func ParseConstraint(s string) (Constraint, error) {
	c := Constraint{src: strings.TrimSpace(s)}
	for _, f := range strings.Fields(s) {
		op := ""
		for _, o := range []string{">=", "<=", "!=", "==", ">", "<", "="} {
			if strings.HasPrefix(f, o) {
				op, f = o, f[len(o):]
				break
			}
		}
		if op == "" || op == "==" {
			op = "="
		}
		if f == "" {
			return Constraint{}, fmt.Errorf("constraint %q: %q has no version after it", s, op)
		}
		t := term{op: op, lang: IsLangOnly(f)}
		t.v = Normalize(strings.TrimSuffix(f, ".x"))
		if t.v == "" || !strings.Contains(t.v, ".") {
			return Constraint{}, fmt.Errorf("constraint %q: %q is not a Go version (want forms like 1.14, 1.14.x, go1.14.15, 1.21rc1)", s, f)
		}
		if strings.HasSuffix(f, ".x") && !t.lang {
			return Constraint{}, fmt.Errorf("constraint %q: %q: .x goes after a minor version, as in 1.14.x", s, f)
		}
		c.terms = append(c.terms, t)
	}
	return c, nil
}

// MustParseConstraint is ParseConstraint for constants; it panics on error.
func MustParseConstraint(s string) Constraint {
	c, err := ParseConstraint(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Match reports whether version v satisfies every term of c.
func (c Constraint) Match(v string) bool {
	n := Normalize(v)
	if n == "" {
		return false
	}
	for _, t := range c.terms {
		x := n
		if t.lang {
			x = version.Lang(n)
		}
		r := version.Compare(x, t.v)
		ok := false
		switch t.op {
		case "=":
			ok = r == 0
		case "!=":
			ok = r != 0
		case "<":
			ok = r < 0
		case "<=":
			ok = r <= 0
		case ">":
			ok = r > 0
		case ">=":
			ok = r >= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// IsZero reports whether c has no terms (and so matches every version).
func (c Constraint) IsZero() bool { return len(c.terms) == 0 }

// Exact returns the version c pins, if c is a single "=" term naming a
// release (not a language version).
func (c Constraint) Exact() (string, bool) {
	if len(c.terms) == 1 && c.terms[0].op == "=" && !c.terms[0].lang {
		return c.terms[0].v, true
	}
	return "", false
}

// String returns the constraint as written.
func (c Constraint) String() string { return c.src }

// IsLang reports whether s can be written in go.mod's go directive: a
// version without the "go" prefix, "1.22", "1.21.0" or "1.21rc1".
func IsLang(s string) bool {
	return s != "" && !strings.HasPrefix(s, "go") && !strings.ContainsAny(s, " \t") && version.IsValid("go"+s) && strings.Count(s, ".") <= 2
}
