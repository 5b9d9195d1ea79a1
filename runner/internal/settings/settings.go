// Package settings decides whether a cell's GODEBUG and GOEXPERIMENT
// settings were in effect. Both fail silently: a program ignores a
// GODEBUG key no package of its standard library reads, and toolchains
// before go1.17 ignore
// GOEXPERIMENT at build time (it is baked in when the toolchain itself is
// built). A cell whose setting did nothing must not be reported as if
// the setting had been tried.
package settings

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// firstBuildTimeExperiments is the first release whose go command reads
// GOEXPERIMENT when building a program.
const firstBuildTimeExperiments = "go1.17"

// InertGOEXPERIMENT says why a requested GOEXPERIMENT did not take
// effect in a binary built by toolchain version, given the experiments the
// binary records (its runtime.Version() "X:" suffix); "" when it did or
// when nothing was requested.
func InertGOEXPERIMENT(version, requested, recorded string) string {
	if requested == "" {
		return ""
	}
	have := map[string]bool{}
	for _, e := range strings.Split(recorded, ",") {
		have[strings.TrimSpace(e)] = true
	}
	var missing []string
	for _, e := range strings.Split(requested, ",") {
		if e = strings.TrimSpace(e); e != "" && !have[e] {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return "" // the binary (or the rebuilt compiler) records every one
	}
	if gover.Compare(version, firstBuildTimeExperiments) < 0 {
		return fmt.Sprintf("GOEXPERIMENT=%s is inert: %s reads GOEXPERIMENT only when the toolchain itself is built, not when it builds a program (goexperiment_rebuild: true rebuilds the toolchain with it)", requested, version)
	}
	// "noX" turns off an experiment that is on by default; a binary records
	// only differences from the defaults, so a request it does not record
	// matched the toolchain's default and changed nothing.
	return fmt.Sprintf("GOEXPERIMENT=%s: the binary does not record %s (it records %q): the setting matches the toolchain's default and changed nothing", requested, strings.Join(missing, ","), recorded)
}

// InertGODEBUG says which keys of a GODEBUG value no package of the
// toolchain's standard library reads (known is GODEBUGKeys), and so are
// silently ignored; "" when all are read or value is empty.
func InertGODEBUG(version, value string, known map[string]bool) string {
	if value == "" || known == nil {
		return ""
	}
	var unknown []string
	for _, kv := range strings.Split(value, ",") {
		k, _, _ := strings.Cut(kv, "=")
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	sort.Strings(unknown)
	unknown = slices.Compact(unknown)
	return fmt.Sprintf("GODEBUG %s is inert: %s's standard library does not read %s and ignores it (%s)", value, version, strings.Join(unknown, ", "), searched)
}

// searched says, in inert messages, where a key was looked for.
const searched = "searched in GOROOT/src: the runtime's debug variables, internal/godebugs, godebug.New and godebug.Get calls, direct parsing of $GODEBUG"

// inertKeys returns the keys an InertGODEBUG message names, in this
// runner's wording and in that of runners before it ("…'s runtime does
// not know k1, k2 and ignores it"); nil when msg is not one.
func inertKeys(msg string) []string {
	if !strings.HasPrefix(msg, "GODEBUG ") {
		return nil
	}
	for _, verb := range []string{" does not read ", " does not know "} {
		_, rest, ok := strings.Cut(msg, verb)
		if !ok {
			continue
		}
		list, _, ok := strings.Cut(rest, " and ignores it")
		if !ok {
			return nil
		}
		return strings.Split(list, ", ")
	}
	return nil
}
