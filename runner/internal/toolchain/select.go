package toolchain

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// errNoMatch is the cause of every Select error that is not about the
// selector's syntax: it is valid, but the list has no release it picks.
var errNoMatch = errors.New("no release matches")

// selectorForms is the hint for a selector that cannot be parsed.
const selectorForms = "write a version (1.22.3, go1.22.3, 1.26rc1), a minor (1.22, 1.22.x), " +
	"a range (>=1.20 <1.23, every-minor >=1.20, all >=1.20 <1.21), stable, oldstable, local, or an absolute GOROOT path"

// Select returns the releases that selector sel picks from avail (the
// versions known to be available, in any order, with or without the "go"
// prefix), normalized and in ascending order. It is the whole of selector
// resolution except "local" and GOROOT paths, which name toolchains
// rather than releases:
//
//   - "1.13.15", "go1.13.15", "1.26rc1": that release. Before Go 1.21 the
//     first release of a minor had no ".0" ("go1.20"); "1.20.0" names it too.
//   - "1.13", "go1.13", "1.13.x": the newest patch release of that minor.
//   - "stable": the newest patch release of the newest minor; "oldstable":
//     the newest patch release of the minor before it (as setup-go has them).
//   - a range, ">=1.14 <1.17" (see gover.ParseConstraint): the newest patch
//     release of every minor in the range. "every-minor >=1.14 <1.17" says
//     the same explicitly; "all >=1.14 <1.17" picks every release in the
//     range instead, and "all" alone every release listed.
//
// Pre-releases (rc, beta) are picked only when named exactly: minors,
// ranges, stable and oldstable skip them.
func Select(sel string, avail []string) ([]string, error) {
	s := strings.TrimSpace(sel)
	list := sortedReleases(avail)
	switch {
	case s == "":
		return nil, withHint(selectorForms, nil, "empty version selector")
	case s == "local" || filepath.IsAbs(s):
		// The manager resolves these without a list.
		return nil, withHint("", nil, "%s names a toolchain, not a release", s)
	case s == "stable" || s == "oldstable":
		return selectStable(s, list)
	}
	if mode, rest, ok := rangeMode(s); ok {
		return selectRange(s, mode, rest, list)
	}
	if gover.IsLangOnly(s) {
		return selectMinor(s, list)
	}
	if v := gover.Normalize(s); v != "" {
		return selectExact(v, list)
	}
	return nil, withHint(selectorForms, nil, "%q is not a version selector", s)
}

// IsExact reports whether selector sel names one release exactly
// ("1.13.15", "go1.26rc1"), so that it can be fetched without a list of
// releases to choose from.
func IsExact(sel string) bool {
	s := strings.TrimSpace(sel)
	if _, _, ok := rangeMode(s); ok || s == "stable" || s == "oldstable" || gover.IsLangOnly(s) {
		return false
	}
	return gover.IsValid(s)
}

// sortedReleases normalizes, deduplicates and sorts avail, dropping what
// is not a Go version.
func sortedReleases(avail []string) []string {
	var list []string
	for _, v := range avail {
		if n := gover.Normalize(v); n != "" {
			list = append(list, n)
		}
	}
	slices.SortFunc(list, gover.Compare)
	return slices.Compact(list)
}

// rangeMode splits a range selector into its mode ("minor": newest patch
// of each minor; "all": every release) and constraint.
func rangeMode(s string) (mode, constraint string, ok bool) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return "", "", false
	}
	switch f[0] {
	case "all", "every-patch":
		return "all", strings.Join(f[1:], " "), true
	case "every-minor":
		return "minor", strings.Join(f[1:], " "), true
	}
	if len(f) > 1 || strings.ContainsAny(s[:1], "<>=!") {
		return "minor", strings.Join(f, " "), true
	}
	return "", "", false
}

func selectExact(v string, list []string) ([]string, error) {
	if slices.Contains(list, v) {
		return []string{v}, nil
	}
	// "1.20.0" for go1.20: the first release of a minor before Go 1.21
	// had no patch number.
	if base, ok := strings.CutSuffix(v, ".0"); ok && gover.Compare(base, "go1.21") < 0 && slices.Contains(list, base) {
		return []string{base}, nil
	}
	return nil, withHint(nearby(gover.Lang(v), list), errNoMatch, "no release %s", v)
}

func selectMinor(s string, list []string) ([]string, error) {
	lang := gover.Lang(strings.TrimSuffix(s, ".x"))
	var pre []string
	for i := len(list) - 1; i >= 0; i-- {
		v := list[i]
		if gover.Lang(v) != lang {
			continue
		}
		if gover.IsRelease(v) {
			return []string{v}, nil
		}
		pre = append(pre, v)
	}
	if len(pre) > 0 {
		return nil, withHint(fmt.Sprintf("pre-releases are used only when named: %s", strings.Join(pre, ", ")), errNoMatch,
			"no final %s release", lang)
	}
	return nil, withHint(span(list), errNoMatch, "no %s release", lang)
}

func selectStable(s string, list []string) ([]string, error) {
	minors := newestPerMinor(releasesOnly(list))
	want := 1
	if s == "oldstable" {
		want = 2
	}
	if len(minors) < want {
		return nil, withHint(span(list), errNoMatch, "%s needs %d minor releases, found %d", s, want, len(minors))
	}
	return []string{minors[len(minors)-want]}, nil
}

func selectRange(s, mode, constraint string, list []string) ([]string, error) {
	c, err := gover.ParseConstraint(constraint)
	if err != nil {
		return nil, withHint(selectorForms, err, "%v", err)
	}
	var out []string
	for _, v := range releasesOnly(list) {
		if c.Match(v) {
			out = append(out, v)
		}
	}
	if mode == "minor" {
		out = newestPerMinor(out)
	}
	if len(out) == 0 {
		return nil, withHint(span(list), errNoMatch, "no release matches %q", s)
	}
	return out, nil
}

// releasesOnly returns the final releases in list (no rc, no beta).
func releasesOnly(list []string) []string {
	var out []string
	for _, v := range list {
		if gover.IsRelease(v) {
			out = append(out, v)
		}
	}
	return out
}

// newestPerMinor returns the newest version of each minor in the sorted
// list, ascending.
func newestPerMinor(list []string) []string {
	var out []string
	for i, v := range list {
		if i+1 == len(list) || gover.Lang(list[i+1]) != gover.Lang(v) {
			out = append(out, v)
		}
	}
	return out
}

// nearby is the hint for a release not in list: the releases of its
// minor, or else the span of the list.
func nearby(lang string, list []string) string {
	var same []string
	for _, v := range list {
		if gover.Lang(v) == lang {
			same = append(same, v)
		}
	}
	if len(same) == 0 {
		return span(list)
	}
	return fmt.Sprintf("the %s releases listed are %s (the proxy holds only some patch releases); %s.x picks the newest",
		lang, strings.Join(same, ", "), strings.TrimPrefix(lang, "go"))
}

// span is a hint that says what list holds.
func span(list []string) string {
	if len(list) == 0 {
		return "no releases are known: connect to the network once so the list is cached, or fetch toolchains with 'gomatrix toolchains fetch'"
	}
	rel := releasesOnly(list)
	if len(rel) == 0 {
		rel = list
	}
	return fmt.Sprintf("the releases listed run from %s to %s; 'gomatrix versions all' prints them all", rel[0], rel[len(rel)-1])
}
