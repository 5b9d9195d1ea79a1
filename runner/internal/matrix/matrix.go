// Package matrix reads matrix.yaml and case.yaml files and expands a
// matrix into its cells: Go version × GOMAXPROCS × GODEBUG × GOEXPERIMENT
// × case, less exclude, plus include.
//
// Every problem in a file is reported with file:line:column and the key
// at fault; nothing is run when a file has one.
package matrix

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// Defaults for keys a matrix leaves out.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultBuildTimeout = 10 * time.Minute
	DefaultCases        = "cases/*"
)

// A Matrix is a parsed matrix.yaml.
type Matrix struct {
	// File is the path the matrix was read from; Dir is its directory,
	// against which case patterns are resolved.
	File, Dir string

	Versions     []string // versions: toolchain selectors ("local", "1.14", a GOROOT path)
	GOMAXPROCS   []int    // gomaxprocs: 0 means unset
	GODEBUG      []string // godebug: "" means unset
	GOEXPERIMENT []string // goexperiment: "" means unset
	// GoLine (go_line) lists the go lines a case is built with: "" means
	// unset (the case's own go.mod, else the toolchain's language
	// version), "toolchain" the building toolchain's language version,
	// and "1.22" that version.
	GoLine []string
	Cases  []string // cases: directories or globs, relative to Dir

	Timeout      time.Duration // timeout: run timeout of a cell
	BuildTimeout time.Duration // build_timeout: timeout of one build
	Repeat       int           // repeat: runs per cell
	// MemoryLimit (memory_limit) bounds a cell's resident memory in
	// bytes: past it the cell is stopped and recorded as fail. 0 means
	// DefaultMemoryLimit.
	MemoryLimit int64
	Env         []string // env: KEY=VALUE for builds and runs
	// GOEXPERIMENTRebuild (goexperiment_rebuild) rebuilds toolchains
	// before go1.17, which read GOEXPERIMENT only when they are themselves
	// built, once per experiment, so their goexperiment cells test it.
	GOEXPERIMENTRebuild bool

	Exclude []Match   // exclude: cells matching any entry are removed
	Include []Include // include: cells extended or added
	Claims  []Claim   // claims: statements the run checks

	// VersionPos is where each Versions entry was written, for errors
	// found later (a selector that matches no release).
	VersionPos []Pos
	casePos    []Pos
}

// A Pos is a position in a file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Axis keys, as written in include, exclude and filters.
const (
	KeyCase         = "case"
	KeyVersion      = "version"
	KeyGOMAXPROCS   = "gomaxprocs"
	KeyGODEBUG      = "godebug"
	KeyGOEXPERIMENT = "goexperiment"
	KeyGoLine       = "go_line"
)

// AxisKeys lists the keys that select cells.
var AxisKeys = []string{KeyCase, KeyVersion, KeyGOMAXPROCS, KeyGODEBUG, KeyGOEXPERIMENT, KeyGoLine}

// A Match selects cells: every key present must match the cell. Values
// are as written; see Cell.Matches for how each key compares.
type Match map[string]string

// An Include adds or extends cells (GitHub Actions semantics): when its
// axis keys match existing cells, those cells get its Env and Timeout;
// when they match none, new cells are added, taking every value of the
// matrix for the axes it leaves out.
type Include struct {
	Match   Match
	Env     []string      // env
	Timeout time.Duration // timeout
	Pos     Pos
}

var topKeys = []string{"versions", "gomaxprocs", "godebug", "goexperiment", "go_line", "cases", "timeout", "build_timeout", "repeat", "memory_limit", "env", "goexperiment_rebuild", "exclude", "include", "claims"}

// Load reads and checks the matrix file at path.
func Load(path string) (*Matrix, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read matrix: %w", err)
	}
	return Parse(path, data)
}

// Parse checks and decodes a matrix file's contents; file names it in errors.
func Parse(file string, data []byte) (*Matrix, error) {
	m, err := defaultMatrix(file)
	if err != nil {
		return nil, err
	}
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		// Running the defaults of an empty file would answer a question
		// nobody asked: more likely the wrong file, or one not yet saved.
		return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: "the matrix file is empty",
			Hint: "write at least cases: [cases/*] (versions default to [local]); every key is in docs/matrix.md"}}
	}
	d := &decoder{file: file}
	for _, f := range d.fields(root, "", topKeys) {
		d.topField(m, f)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// defaultMatrix is the matrix of an empty file read from file.
func defaultMatrix(file string) (*Matrix, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	return &Matrix{
		File:         file,
		Dir:          filepath.Dir(abs),
		Versions:     []string{"local"},
		GOMAXPROCS:   []int{0},
		GODEBUG:      []string{""},
		GOEXPERIMENT: []string{""},
		GoLine:       []string{""},
		Cases:        []string{DefaultCases},
		Timeout:      DefaultTimeout,
		BuildTimeout: DefaultBuildTimeout,
		Repeat:       1,
	}, nil
}

// topField decodes one top-level key of a matrix file into m. A list
// keeps the entries that have no error; a timeout, build_timeout or
// repeat with an error leaves the default in place.
func (d *decoder) topField(m *Matrix, f field) {
	switch f.key {
	case "versions":
		m.Versions, m.VersionPos = d.stringList(f, strings.TrimSpace,
			nonEmpty("empty version", "write local, a release such as 1.22 or go1.13.15, or a GOROOT path"), unique(), validSelector)
	case "gomaxprocs":
		m.GOMAXPROCS = d.gomaxprocs(f)
	case "godebug":
		m.GODEBUG, _ = d.stringList(f, nil, unique(), CheckGODEBUG)
	case "goexperiment":
		m.GOEXPERIMENT, _ = d.stringList(f, nil, unique(), CheckGOEXPERIMENT)
	case "go_line":
		m.GoLine, _ = d.stringList(f, strings.TrimSpace, unique(), CheckGoLine)
	case "cases":
		m.Cases, m.casePos = d.stringList(f, nil, nonEmpty("empty case pattern", ""), validPattern, unique())
	case "timeout":
		if v, ok := d.duration(f.value, f.key); ok {
			m.Timeout = v
		}
	case "build_timeout":
		if v, ok := d.duration(f.value, f.key); ok {
			m.BuildTimeout = v
		}
	case "repeat":
		if v, ok := d.repeat(f.value, f.key); ok {
			m.Repeat = v
		}
	case "env":
		m.Env = d.env(f.value, f.key)
	case "memory_limit":
		m.MemoryLimit, _ = d.size(f.value, f.key)
	case "goexperiment_rebuild":
		m.GOEXPERIMENTRebuild, _ = d.boolean(f.value, f.key)
	case "exclude":
		m.Exclude = d.excludes(f)
	case "claims":
		m.Claims = d.claims(f.value)
	case "include":
		m.Include = d.includes(f)
	}
}

// versionHint is what to write in versions, for an entry that cannot be
// a selector.
const versionHint = "write local, a GOROOT path, a release (1.22, go1.13.15, 1.26rc1), a range (>=1.14 <1.17), stable or oldstable"

// A stringCheck vets an entry of a list of strings: msg says what is
// wrong with s, "" when nothing is; hint what to do about it.
type stringCheck func(s string) (msg, hint string)

// stringList decodes the list of strings f, each trimmed by trim (when
// not nil), then vetted by checks in order: an entry a check refuses is
// reported and left out. It returns the entries kept and where each was
// written.
func (d *decoder) stringList(f field, trim func(string) string, checks ...stringCheck) (vals []string, pos []Pos) {
	for i, n := range d.seq(f.value, f.key, false) {
		key := fmt.Sprintf("%s[%d]", f.key, i)
		s, ok := d.strictStr(n, key)
		if !ok {
			continue
		}
		if trim != nil {
			s = trim(s)
		}
		if msg, hint := firstProblem(s, checks); msg != "" {
			d.errorf(n, key, hint, "%s", msg)
			continue
		}
		vals = append(vals, s)
		pos = append(pos, Pos{d.file, n.Line, n.Column})
	}
	return vals, pos
}

// firstProblem is what the first of checks that refuses s says.
func firstProblem(s string, checks []stringCheck) (msg, hint string) {
	for _, check := range checks {
		if msg, hint := check(s); msg != "" {
			return msg, hint
		}
	}
	return "", ""
}

// nonEmpty refuses "" with msg and hint.
func nonEmpty(msg, hint string) stringCheck {
	return func(s string) (string, string) {
		if s == "" {
			return msg, hint
		}
		return "", ""
	}
}

// unique refuses an entry equal to one it passed before: the checks
// after it in a list see each value once.
func unique() stringCheck {
	seen := map[string]bool{}
	return func(s string) (string, string) {
		if seen[s] {
			return fmt.Sprintf("duplicate value %q", s), ""
		}
		seen[s] = true
		return "", ""
	}
}

// validPattern refuses a malformed case pattern.
func validPattern(s string) (msg, hint string) {
	if _, err := filepath.Match(s, ""); err != nil {
		return fmt.Sprintf("bad pattern %q: %v", s, err), ""
	}
	return "", ""
}

// validSelector refuses a versions entry that cannot be a selector.
func validSelector(s string) (msg, hint string) {
	if msg := checkSelector(s); msg != "" {
		return msg, versionHint
	}
	return "", ""
}

// gomaxprocs decodes the gomaxprocs list.
func (d *decoder) gomaxprocs(f field) []int {
	var vals []int
	seen := map[int]bool{}
	for i, n := range d.seq(f.value, f.key, false) {
		key := fmt.Sprintf("gomaxprocs[%d]", i)
		v, ok := d.integer(n, key)
		if !ok {
			continue
		}
		if v < 0 || v > 1024 {
			d.errorf(n, key, "use 0 for unset", "%d is out of range (0 to 1024)", v)
			continue
		}
		if seen[v] {
			d.errorf(n, key, "", "duplicate value %d", v)
			continue
		}
		seen[v] = true
		vals = append(vals, v)
	}
	return vals
}

// excludes decodes the exclude list.
func (d *decoder) excludes(f field) []Match {
	var out []Match
	for i, n := range d.seq(f.value, f.key, true) {
		key := fmt.Sprintf("exclude[%d]", i)
		if mt := d.match(n, key, AxisKeys); mt != nil {
			out = append(out, mt)
		}
	}
	return out
}

// includes decodes the include list.
func (d *decoder) includes(f field) []Include {
	var out []Include
	for i, n := range d.seq(f.value, f.key, true) {
		if inc, ok := d.include(n, fmt.Sprintf("include[%d]", i)); ok {
			out = append(out, inc)
		}
	}
	return out
}

// match decodes an exclude entry.
func (d *decoder) match(n *yaml.Node, key string, known []string) Match {
	return d.matchFields(n, key, d.fields(n, key, known))
}

// matchFields decodes the axis keys of an exclude or include entry n.
func (d *decoder) matchFields(n *yaml.Node, key string, fs []field) Match {
	if len(fs) == 0 {
		if n.Kind == yaml.MappingNode && len(n.Content) == 0 {
			d.errorf(n, key, "name at least one of: "+strings.Join(AxisKeys, ", "), "empty entry would match every cell")
		}
		return nil
	}
	mt := Match{}
	for _, f := range fs {
		if !slices.Contains(AxisKeys, f.key) {
			continue
		}
		k := join(key, f.key)
		var s string
		var ok bool
		if f.key == KeyGOMAXPROCS {
			var v int
			if v, ok = d.integer(f.value, k); ok {
				s = fmt.Sprint(v)
			}
		} else {
			s, ok = d.strictStr(f.value, k)
		}
		if !ok {
			continue
		}
		if f.key == KeyVersion && s == "" {
			d.errorf(f.value, k, "", "empty version")
			continue
		}
		if f.key == KeyCase {
			if _, err := filepath.Match(s, ""); err != nil {
				d.errorf(f.value, k, "", "bad pattern %q: %v", s, err)
				continue
			}
		}
		mt[f.key] = s
	}
	return mt
}

func (d *decoder) include(n *yaml.Node, key string) (Include, bool) {
	inc := Include{Pos: Pos{d.file, n.Line, n.Column}}
	known := append(slices.Clone(AxisKeys), "env", "timeout")
	fs := d.fields(n, key, known)
	inc.Match = d.matchFields(n, key, fs)
	for _, f := range fs {
		switch f.key {
		case "env":
			inc.Env = d.env(f.value, join(key, "env"))
		case "timeout":
			inc.Timeout, _ = d.duration(f.value, join(key, "timeout"))
		}
	}
	if inc.Match == nil {
		return inc, false
	}
	return inc, true
}

// checkSelector rejects versions entries that cannot be selectors; the
// toolchain resolver has the final word on the rest.
func checkSelector(s string) string {
	if strings.ContainsAny(s, "\n\r\t") {
		return fmt.Sprintf("%q contains a control character", s)
	}
	if filepath.IsAbs(s) || s == "local" {
		return ""
	}
	if strings.HasPrefix(s, ".") || strings.ContainsAny(s, `/\`) {
		return fmt.Sprintf("%q: a GOROOT path must be absolute", s)
	}
	return ""
}

// CheckGODEBUG checks a godebug axis value: comma-separated key=value
// settings. A bare key ("asyncpreemptoff") is silently ignored by the Go
// runtime, so it is refused here rather than reported as a result.
func CheckGODEBUG(s string) (msg, hint string) {
	if s == "" {
		return "", ""
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Sprintf("%q: %q is not a key=value setting", s, kv), "GODEBUG takes key=value pairs separated by commas, e.g. asyncpreemptoff=1"
		}
		if !validGodebugKey(k) || strings.ContainsAny(v, " \t\n\r,\"'") {
			return fmt.Sprintf("%q: %q is not a GODEBUG setting", s, kv), "keys are letters, digits and underscores; values have no spaces or quotes"
		}
	}
	return "", ""
}

func validGodebugKey(k string) bool {
	for _, r := range k {
		if !(r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

// HasGoLineAxis reports whether the matrix sets the go_line axis (its
// list is other than the default [""]).
func (m *Matrix) HasGoLineAxis() bool {
	return len(m.GoLine) > 1 || len(m.GoLine) == 1 && m.GoLine[0] != ""
}

// GoLineToolchain is the go_line value that builds a case with the
// building toolchain's own language version.
const GoLineToolchain = "toolchain"

// CheckGoLine checks a go_line axis value: "" (unset), "toolchain", or a
// language version as go.mod's go directive takes it ("1.22", "1.21.0").
func CheckGoLine(s string) (msg, hint string) {
	if s == "" || s == GoLineToolchain || gover.IsLang(s) {
		return "", ""
	}
	return fmt.Sprintf("%q is not a go line", s), `write toolchain, or a Go language version such as "1.20" or "1.22.0" (quoted, so YAML keeps it a string)`
}

// CheckGOEXPERIMENT checks a goexperiment axis value: comma-separated
// experiment names, each optionally prefixed "no". Whether a toolchain
// knows the name is a per-cell fact (a build error), not a matrix error.
func CheckGOEXPERIMENT(s string) (msg, hint string) {
	if s == "" {
		return "", ""
	}
	for _, e := range strings.Split(s, ",") {
		if e == "" || !validGodebugKey(e) {
			return fmt.Sprintf("%q: %q is not an experiment name", s, e), "GOEXPERIMENT takes names separated by commas, e.g. preemptibleloops or noregabi"
		}
	}
	return "", ""
}
