package matrix

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func TestParseDefaults(t *testing.T) {
	m, err := Parse("m.yaml", []byte("cases: [cases/*]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("m.yaml", []byte("# nothing but a comment\n")); err == nil || !strings.Contains(err.Error(), "m.yaml:1:1: the matrix file is empty") {
		t.Errorf("empty file: %v", err)
	}
	if len(m.Versions) != 1 || m.Versions[0] != "local" || m.Timeout != DefaultTimeout || m.Repeat != 1 ||
		len(m.GOMAXPROCS) != 1 || m.GOMAXPROCS[0] != 0 || len(m.GODEBUG) != 1 || m.Cases[0] != DefaultCases {
		t.Errorf("defaults: %+v", m)
	}
}

func TestParseFull(t *testing.T) {
	src := `
versions: [local, "1.14", go1.13.15, ">=1.14 <1.17", /usr/local/go]
gomaxprocs: [1, 2]
godebug: ["", asyncpreemptoff=1, "panicnil=1,asynctimerchan=0"]
goexperiment: ["", preemptibleloops]
cases: [cases/*, other]
timeout: 1500ms
build_timeout: 5m
repeat: 3
memory_limit: 512MiB
env: {CGO_ENABLED: "1", FOO: bar}
exclude:
  - {case: gosched, godebug: asyncpreemptoff=1}
include:
  - {case: busyloop, version: local, gomaxprocs: 4, env: {X: "1"}, timeout: 3s}
`
	m, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Versions, "|"); got != "local|1.14|go1.13.15|>=1.14 <1.17|/usr/local/go" {
		t.Errorf("versions = %q", got)
	}
	if m.VersionPos[1].Line != 2 || m.VersionPos[1].Col != 19 {
		t.Errorf("versions[1] at %v, want 2:19", m.VersionPos[1])
	}
	if m.Timeout != 1500*time.Millisecond || m.BuildTimeout != 5*time.Minute || m.Repeat != 3 {
		t.Errorf("durations/repeat: %v %v %v", m.Timeout, m.BuildTimeout, m.Repeat)
	}
	if m.MemoryLimit != 512<<20 {
		t.Errorf("memory_limit = %d", m.MemoryLimit)
	}
	if strings.Join(m.GODEBUG, "|") != "|asyncpreemptoff=1|panicnil=1,asynctimerchan=0" {
		t.Errorf("godebug = %q", m.GODEBUG)
	}
	if strings.Join(m.Env, " ") != "CGO_ENABLED=1 FOO=bar" {
		t.Errorf("env = %q", m.Env)
	}
	if len(m.Exclude) != 1 || m.Exclude[0]["case"] != "gosched" {
		t.Errorf("exclude = %v", m.Exclude)
	}
	if len(m.Include) != 1 || m.Include[0].Match["gomaxprocs"] != "4" || m.Include[0].Timeout != 3*time.Second || m.Include[0].Env[0] != "X=1" {
		t.Errorf("include = %+v", m.Include)
	}
}

// Every rejected input names file:line:column and the key at fault.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "versions: [local]\ngomaxproc: [1]\n", `m.yaml:2:1: gomaxproc: unknown key "gomaxproc"`},
		{"unknown key hint", "gomaxproc: [1]\n", `did you mean "gomaxprocs"?`},
		{"not a list", "gomaxprocs: 1\n", `m.yaml:1:13: gomaxprocs: want a list, found the number "1"`},
		{"empty axis", "godebug: []\n", `m.yaml:1:10: godebug: empty list`},
		{"wrong type", "gomaxprocs: [1, two]\n", `m.yaml:1:17: gomaxprocs[1]: want a whole number, found the string "two"`},
		{"negative", "gomaxprocs: [-1]\n", `m.yaml:1:14: gomaxprocs[0]: -1 is out of range`},
		{"duplicate int", "gomaxprocs: [1, 2, 1]\n", `m.yaml:1:20: gomaxprocs[2]: duplicate value 1`},
		{"duplicate string", "godebug: ['', '']\n", `m.yaml:1:15: godebug[1]: duplicate value ""`},
		{"duplicate version", "versions: [local, local]\n", `m.yaml:1:19: versions[1]: duplicate value "local"`},
		{"bad duration", "timeout: 2\n", `m.yaml:1:10: timeout: want a duration, found the number "2"`},
		{"bad duration text", "timeout: 2 seconds\n", `m.yaml:1:10: timeout: "2 seconds" is not a duration`},
		{"zero duration", "build_timeout: 0s\n", `m.yaml:1:16: build_timeout: duration must be positive`},
		{"godebug bare key", "godebug: [asyncpreemptoff]\n", `m.yaml:1:11: godebug[0]: "asyncpreemptoff": "asyncpreemptoff" is not a key=value setting`},
		{"godebug space", "godebug: ['a=1; rm -rf /']\n", `godebug[0]: "a=1; rm -rf /"`},
		{"goexperiment bad", "goexperiment: ['pre emptible']\n", `m.yaml:1:16: goexperiment[0]: "pre emptible": "pre emptible" is not an experiment name`},
		{"bool version", "versions: [true]\n", `m.yaml:1:12: versions[0]: want a string, found the boolean "true"`},
		{"relative goroot", "versions: [./go]\n", `versions[0]: "./go": a GOROOT path must be absolute`},
		{"reserved env", "env: {GOMAXPROCS: '4'}\n", `m.yaml:1:7: env.GOMAXPROCS: GOMAXPROCS is set by the runner`},
		{"bad env name", "env: {'A-B': x}\n", `env.A-B: "A-B" is not an environment variable name`},
		{"exclude unknown key", "exclude: [{cas: x}]\n", `m.yaml:1:12: exclude[0].cas: unknown key "cas"`},
		{"exclude empty", "exclude: [{}]\n", `m.yaml:1:11: exclude[0]: empty entry would match every cell`},
		{"include bad timeout", "include: [{case: x, timeout: soon}]\n", `m.yaml:1:30: include[0].timeout: "soon" is not a duration`},
		{"bad size", "memory_limit: lots\n", `m.yaml:1:15: memory_limit: want a size, found the string "lots"`},
		{"tiny size", "memory_limit: 10KiB\n", `memory_limit: size "10KiB" is below 1 MiB`},
		{"repeat zero", "repeat: 0\n", `m.yaml:1:9: repeat: repeat must be between 1 and 1000`},
		{"dup key", "timeout: 1s\ntimeout: 2s\n", `m.yaml:2:1: timeout: key "timeout" appears twice`},
		{"top not a map", "- a\n- b\n", `m.yaml:1:1: want a mapping of keys to values, found a list`},
		{"syntax", "versions: [local\n", `m.yaml:`},
		{"tab syntax", "versions:\n\t- local\n", `m.yaml:2: invalid YAML`},
		{"bad case pattern", "cases: ['[']\n", `m.yaml:1:9: cases[0]: bad pattern "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse("m.yaml", []byte("gomaxprocs: [x]\ntimeout: y\nfoo: 1\n"))
	l, ok := err.(ErrorList)
	if !ok || len(l) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
}

func writeCase(t *testing.T, root, name, caseYAML string) string {
	t.Helper()
	dir := filepath.Join(root, "cases", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if caseYAML != "" {
		if err := os.WriteFile(filepath.Join(dir, "case.yaml"), []byte(caseYAML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCaseFile(t *testing.T) {
	root := t.TempDir()
	dir := writeCase(t, root, "a", "description: x\ncomplete_on: {output: '^hi$', stream: stdout}\ntimeout: 1s\ngo: '>=1.14'\nrepeat: 5\nargs: [-n, '1']\ntags: [foo]\n")
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "a" || c.CompleteOn.String() != "^hi$" || c.CompleteStream != "stdout" || c.Timeout != time.Second ||
		!c.Go.Match("go1.14.1") || c.Go.Match("go1.13.15") || c.Repeat != 5 || len(c.Args) != 2 || c.Tags[0] != "foo" {
		t.Errorf("case = %+v", c)
	}
	if strings.Join(c.Files, ",") != "case.yaml,main.go" {
		t.Errorf("files = %v", c.Files)
	}
}

func TestCaseFileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"complete_on: {output: '(hi'}\n", `case.yaml:1:23: complete_on.output: bad regular expression "(hi"`},
		{"complete_on: done\n", `case.yaml:1:14: complete_on: unknown value "done"`},
		{"complete_on: {stream: stdout}\n", `complete_on: complete_on needs output`},
		{"complete_on: {output: x, stream: both}\n", `complete_on.stream: unknown stream "both"`},
		{"go: '>=1.x4'\n", `case.yaml:1:5: go: constraint ">=1.x4"`},
		{"timeout: -1s\n", `case.yaml:1:10: timeout: duration must be positive`},
		{"completeon: exit\n", `case.yaml:1:1: completeon: unknown key "completeon"`},
	}
	for _, tt := range tests {
		root := t.TempDir()
		dir := writeCase(t, root, "a", tt.src)
		_, err := LoadCase(dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("case.yaml %q: error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestLoadCasesErrors(t *testing.T) {
	root := t.TempDir()
	writeCase(t, root, "a", "")
	os.MkdirAll(filepath.Join(root, "cases", "empty"), 0o755)
	m, err := Parse(filepath.Join(root, "m.yaml"), []byte("cases: [cases/a, cases/nope*]\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.LoadCases()
	if err == nil || !strings.Contains(err.Error(), `m.yaml:1:18: cases[1]: "cases/nope*" matches no directory`) {
		t.Errorf("got %v", err)
	}
	m, _ = Parse(filepath.Join(root, "m.yaml"), []byte("cases: [cases/*]\n"))
	_, err = m.LoadCases()
	if err == nil || !strings.Contains(err.Error(), "has no .go files") {
		t.Errorf("empty case dir: got %v", err)
	}
}

func tc(sel, v string) toolchain.Toolchain {
	return toolchain.Toolchain{Selector: sel, Version: v, GOROOT: "/go/" + v}
}

func TestExpand(t *testing.T) {
	root := t.TempDir()
	writeCase(t, root, "busy", "")
	writeCase(t, root, "yield", "go: '>=1.14'\ntimeout: 3s\n")
	src := `
versions: ["1.13", local]
gomaxprocs: [1, 2]
godebug: ["", asyncpreemptoff=1]
timeout: 1s
exclude:
  - {case: yield, godebug: asyncpreemptoff=1}
  - {version: "1.13", gomaxprocs: 2}
include:
  - {case: busy, gomaxprocs: 1, env: {EXTRA: "1"}}
  - {case: busy, version: local, gomaxprocs: 8, godebug: ""}
  - {case: yield, version: "1.22", gomaxprocs: 1, godebug: ""}
`
	m, err := Parse(filepath.Join(root, "matrix.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Selectors(), "|"); got != "1.13|local|1.22" {
		t.Errorf("selectors = %q", got)
	}
	cases, err := m.LoadCases()
	if err != nil {
		t.Fatal(err)
	}
	tcs := map[string][]toolchain.Toolchain{
		"1.13":  {tc("1.13", "go1.13.15")},
		"local": {tc("local", "go1.26.8")},
		"1.22":  {tc("1.22", "go1.22.12")},
	}
	cells, err := m.Expand(cases, tcs)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cells {
		id := c.ID()
		if c.Skip != "" {
			id += " skip"
		}
		if len(c.Env) > 0 {
			id += " " + strings.Join(c.Env, ",")
		}
		ids = append(ids, id)
	}
	want := []string{
		"busy go1.13.15 P=1 EXTRA=1",
		"busy go1.13.15 P=1 D=asyncpreemptoff=1 EXTRA=1",
		"yield go1.13.15 P=1 skip",
		"busy go1.26.8 P=1 EXTRA=1",
		"busy go1.26.8 P=1 D=asyncpreemptoff=1 EXTRA=1",
		"busy go1.26.8 P=2",
		"busy go1.26.8 P=2 D=asyncpreemptoff=1",
		"yield go1.26.8 P=1",
		"yield go1.26.8 P=2",
		"busy go1.26.8 P=8",
		"yield go1.22.12 P=1",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range cells {
		if c.Case.Name == "yield" && c.Timeout != 3*time.Second || c.Case.Name == "busy" && c.Timeout != time.Second {
			t.Errorf("%s: timeout %v", c.ID(), c.Timeout)
		}
	}
}

func TestExpandIncludeAddsNothing(t *testing.T) {
	root := t.TempDir()
	writeCase(t, root, "busy", "")
	m, _ := Parse(filepath.Join(root, "matrix.yaml"), []byte("include:\n  - {case: nosuch, gomaxprocs: 3}\n"))
	cases, _ := m.LoadCases()
	_, err := m.Expand(cases, map[string][]toolchain.Toolchain{"local": {tc("local", "go1.26.8")}})
	if err == nil || !strings.Contains(err.Error(), "matrix.yaml:2:5: include: entry {case=\"nosuch\" gomaxprocs=\"3\"} matches no cell") {
		t.Errorf("got %v", err)
	}
}

func TestExpandLimit(t *testing.T) {
	m := &Matrix{File: "m.yaml", GOMAXPROCS: make([]int, 1000), GODEBUG: make([]string, 1000), GOEXPERIMENT: make([]string, 10), Versions: []string{"local"}}
	cases := []*Case{{Name: "a"}, {Name: "b"}}
	_, err := m.Expand(cases, map[string][]toolchain.Toolchain{"local": {tc("local", "go1.26.8")}})
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 1000000 cells") {
		t.Errorf("got %v", err)
	}
}

func TestFilter(t *testing.T) {
	f := Filter{}
	for _, s := range []string{"case=busy", "godebug=asyncpreemptoff=1,panicnil=1", "version=1.13", "version=local"} {
		if err := f.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	c := &Cell{Case: &Case{Name: "busy"}, Toolchain: tc("1.13", "go1.13.15"), GODEBUG: "asyncpreemptoff=1,panicnil=1"}
	if !f.Keep(c) {
		t.Error("filter dropped a matching cell")
	}
	c.GODEBUG = ""
	if f.Keep(c) {
		t.Error("filter kept a cell with another godebug")
	}
	for _, bad := range []string{"case", "cases=x"} {
		if err := (Filter{}).Add(bad); err == nil {
			t.Errorf("Add(%q) succeeded", bad)
		}
	}
}

func TestMatchVersion(t *testing.T) {
	t113 := tc("1.13", "go1.13.15")
	for v, want := range map[string]bool{"1.13": true, "go1.13.15": true, "1.13.15": true, "<1.14": true, ">=1.14": false, "local": false, "1.14": false} {
		if got := MatchVersion(v, t113); got != want {
			t.Errorf("MatchVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

// The cells a claim bounds the complete_ms of are timed; others are not.
func TestExpandMarksTimedCells(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`versions: [local]
gomaxprocs: [1, 2]
claims:
  - {id: C6, claim: fast, cells: {case: sysmon, gomaxprocs: 1}, expect: {outcome: complete, complete_ms: {max: 25}}}
  - {id: C1, claim: completes, cells: {case: busy}, expect: complete}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []*Case{{Name: "sysmon"}, {Name: "busy"}}
	cells, err := m.Expand(cases, map[string][]toolchain.Toolchain{"local": {{Selector: "local", Version: "go1.26.8"}}})
	if err != nil {
		t.Fatal(err)
	}
	var timed []string
	for _, c := range cells {
		if c.Timed {
			timed = append(timed, c.ID())
		}
	}
	if want := []string{"sysmon go1.26.8 P=1"}; !slices.Equal(timed, want) {
		t.Errorf("timed cells %q, want %q", timed, want)
	}
}
