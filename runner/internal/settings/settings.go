// Package settings decides whether a cell's GODEBUG and GOEXPERIMENT
// settings were in effect. Both fail silently: the Go runtime ignores a
// GODEBUG key it does not know, and toolchains before go1.17 ignore
// GOEXPERIMENT at build time (it is baked in when the toolchain itself is
// built). A cell whose setting did nothing must not be reported as if
// the setting had been tried.
package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"gomatrix/runner/internal/gover"
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

// GODEBUGKeys returns the GODEBUG keys the toolchain at goroot knows,
// read from its sources: the runtime's debug variable table (runtime1.go)
// and, since go1.21, internal/godebugs. The result is cached per goroot.
func GODEBUGKeys(goroot string) (map[string]bool, error) {
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keysCache[goroot]; ok {
		return k, nil
	}
	keys := map[string]bool{}
	found := false
	for _, f := range []struct {
		path string
		re   *regexp.Regexp
	}{
		{"src/runtime/runtime1.go", reRuntimeVar},
		{"src/internal/godebugs/table.go", reGodebugsName},
	} {
		data, err := os.ReadFile(filepath.Join(goroot, filepath.FromSlash(f.path)))
		if err != nil {
			continue
		}
		found = true
		src := string(data)
		if f.re == reRuntimeVar {
			// Only the dbgvars table, not every string in the file.
			if i := strings.Index(src, "dbgvars"); i >= 0 {
				src = src[i:]
			}
		}
		for _, m := range f.re.FindAllStringSubmatch(src, -1) {
			keys[m[1]] = true
		}
	}
	if !found {
		return nil, fmt.Errorf("read GODEBUG keys: no runtime sources under %s", goroot)
	}
	keysCache[goroot] = keys
	return keys, nil
}

var (
	keysMu    sync.Mutex
	keysCache = map[string]map[string]bool{}

	// {"asyncpreemptoff", &debug.asyncpreemptoff}  (up to go1.20)
	// {name: "asyncpreemptoff", value: &debug.asyncpreemptoff}  (go1.21+)
	reRuntimeVar = regexp.MustCompile(`\{\s*(?:name:\s*)?"([A-Za-z0-9_]+)"\s*,`)
	// {Name: "panicnil", Package: "runtime", ...}
	reGodebugsName = regexp.MustCompile(`Name:\s*"([A-Za-z0-9_]+)"`)
)

// InertGODEBUG says which keys of a GODEBUG value the toolchain does not
// know, and so silently ignores; "" when all are known or value is empty.
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
	return fmt.Sprintf("GODEBUG %s is inert: %s's runtime does not know %s and ignores it", value, version, strings.Join(unknown, ", "))
}
