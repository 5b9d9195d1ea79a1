package matrix

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var rePos = regexp.MustCompile(`^m\.yaml:\d+(:\d+)?: `)

// FuzzParse: no input makes Parse panic, and every rejected input is
// reported with file:line (and column where YAML gives one) on each line
// of the error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"versions: [local]\ngomaxprocs: [1, 2]\n",
		"versions: [\">=1.13\", \"1.16.15\"]\ngodebug: [\"\", asyncpreemptoff=1]\ngoexperiment: [\"\", preemptibleloops]\n",
		"timeout: 1s\nbuild_timeout: 10m\nrepeat: 5\nenv: {CGO_ENABLED: \"1\"}\n",
		"exclude: [{case: x, godebug: a=1}]\ninclude: [{case: y, version: local, gomaxprocs: 4, env: {A: b}, timeout: 2s}]\n",
		"claims:\n  - id: C1\n    claim: x\n    cells: {case: a}\n    expect: {outcome: complete, complete_ms: {min: 1, max: 2}}\n",
		"claims: [{id: C7, claim: y, cells: {version: '1.16'}, expect: {same_as: '1.14'}}]\n",
		"a: &x [1]\nb: *x\n",
		"gomaxprocs: [1, two]\ntimout: 1s\n",
		"versions:\n\t- local\n",
		"- a\n- b\n",
		"godebug: [asyncpreemptoff]\n",
		"cases: ['[']\n",
		"goexperiment_rebuild: yes\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse("m.yaml", []byte(src))
		if err == nil {
			if m == nil {
				t.Fatal("nil matrix without an error")
			}
			return
		}
		var l ErrorList
		if !errors.As(err, &l) || len(l) == 0 {
			t.Fatalf("error is not an ErrorList: %v", err)
		}
		for _, e := range l {
			line, _, _ := strings.Cut(e.Error(), "\n")
			if !rePos.MatchString(line) {
				t.Fatalf("error without a position: %q (input %q)", line, src)
			}
		}
	})
}
