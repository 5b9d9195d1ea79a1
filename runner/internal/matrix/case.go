package matrix

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"

	"github.com/gomatrix/gomatrix/runner/internal/gover"

	"gopkg.in/yaml.v3"
)

// A Case is one case directory: a Go main package, with an optional
// case.yaml that says how to judge it.
type Case struct {
	Name string // the directory's base name; unique in a matrix
	Dir  string // absolute path
	Rel  string // path relative to the matrix directory, for display

	// Description says what the case tests (description).
	Description string
	// CompleteOn, when set, completes a run as soon as a line of output
	// matches it (complete_on: {output: RE}); when nil, a run completes
	// on exit status 0 (complete_on: exit).
	CompleteOn *regexp.Regexp
	// CompleteStream is the stream CompleteOn reads (complete_on.stream):
	// "" for both, "stdout" or "stderr".
	CompleteStream string
	// SelfMS, when set, finds the time the program reports itself in a
	// line of its output: its one group is a number of milliseconds
	// (self_ms: '^hi after ([0-9.]+) ms'). The runner records it beside
	// its own complete_ms, and flags a disagreement.
	SelfMS       *regexp.Regexp
	Timeout      time.Duration    // timeout; 0: the matrix's
	BuildTimeout time.Duration    // build_timeout; 0: the matrix's
	Go           gover.Constraint // go: cells of other versions are skip
	Repeat       int              // repeat; 0: the matrix's
	MemoryLimit  int64            // memory_limit; 0: the matrix's
	Env          []string         // env: for builds and runs of this case
	Args         []string         // args: the program's arguments
	Tags         []string         // tags: build tags
	// Axes are the case's own axis lists (versions, gomaxprocs, godebug,
	// goexperiment, go_line), which narrow the matrix's.
	Axes CaseAxes
	// Module, when set, makes the case a published module version
	// (module: golang.org/x/sync@v0.10.0), fetched through the module
	// proxy and verified; Package is the package of it the case is
	// about (package: ./errgroup; default "."). Without a program of its
	// own the case builds and runs Package, which must be a main
	// package; with one, the program is built against the module version.
	Module  module.Version
	Package string
	// Packages is a package pattern (packages: ./...): the case stands
	// for one case per package it matches (see ForPackage), named
	// "case/dir".
	Packages string
	// Kind is KindTest for a case that runs a package's tests (kind: test,
	// or a directory with _test.go files and no main package); "" for a
	// program. Test holds the test flags case.yaml passes (test:).
	Kind string
	Test TestFlags

	// HasGoMod reports whether the directory has its own go.mod, which a
	// build then uses in a copy (adapted for old toolchains, its go line
	// set by the go_line axis); otherwise the runner writes one whose go
	// line is the building toolchain's language version.
	HasGoMod bool
	// HasProgram reports whether the directory holds Go files of its own
	// (a module-version case may have none).
	HasProgram bool
	// Files are the paths (relative to Dir) whose contents make the case:
	// every regular file, sorted.
	Files []string
	// Hash is a SHA-256 over Files' names and contents: it keys the
	// result cache, so editing a case re-runs its cells.
	Hash string
}

// CaseFile is the name of the optional per-case settings file.
const CaseFile = "case.yaml"

var caseKeys = []string{"description", "complete_on", "self_ms", "timeout", "build_timeout", "go", "repeat", "memory_limit", "env", "args", "tags",
	"module", "package", "packages", "versions", "gomaxprocs", "godebug", "goexperiment", "go_line", "kind", "test"}

// KindTest is the kind of a case that runs a package's tests.
const KindTest = "test"

// TestFlags are what a test case passes to its test binary (test:): the
// flags of go test without their -test. prefix.
type TestFlags struct {
	Run, Skip string   // run, skip: regexps selecting tests (skip needs go1.20)
	Count     int      // count: runs of each test
	Short     bool     // short
	CPU       string   // cpu: GOMAXPROCS lists, "1,2,4"
	Flags     []string // flags: further arguments for the binary, as written
	// Race (race) builds the test binary with the race detector, which
	// needs cgo and a C compiler.
	Race bool
}

// LoadCases finds the case directories m names and reads their
// case.yaml files. A pattern that matches no directory is an error.
func (m *Matrix) LoadCases() ([]*Case, error) {
	var errs ErrorList
	var cases []*Case
	byName := map[string]*Case{}
	for i, pat := range m.Cases {
		pos := Pos{m.File, 0, 0}
		if i < len(m.casePos) {
			pos = m.casePos[i]
		}
		full := pat
		if !filepath.IsAbs(full) {
			full = filepath.Join(m.Dir, pat)
		}
		matches, _ := filepath.Glob(full) // the pattern was checked by Parse
		var dirs []string
		for _, p := range matches {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				dirs = append(dirs, p)
			}
		}
		if len(dirs) == 0 {
			errs = append(errs, &Error{File: pos.File, Line: pos.Line, Col: pos.Col, Key: fmt.Sprintf("cases[%d]", i),
				Msg: fmt.Sprintf("%q matches no directory (looked in %s)", pat, m.Dir), Hint: "case patterns are relative to the matrix file's directory"})
			continue
		}
		sort.Strings(dirs)
		for _, dir := range dirs {
			c, err := LoadCase(dir)
			if err != nil {
				errs = append(errs, asErrorList(err)...)
				continue
			}
			if c == nil {
				continue
			}
			if prev, ok := byName[c.Name]; ok {
				if prev.Dir == c.Dir {
					continue
				}
				errs = append(errs, &Error{File: pos.File, Line: pos.Line, Col: pos.Col, Key: fmt.Sprintf("cases[%d]", i),
					Msg: fmt.Sprintf("two cases are named %q: %s and %s", c.Name, prev.Dir, c.Dir), Hint: "case names are directory names and must be unique"})
				continue
			}
			if rel, err := filepath.Rel(m.Dir, c.Dir); err == nil {
				c.Rel = rel
			}
			byName[c.Name] = c
			cases = append(cases, c)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cases, nil
}

func asErrorList(err error) ErrorList {
	var l ErrorList
	if errors.As(err, &l) {
		return l
	}
	var e *Error
	if errors.As(err, &e) {
		return ErrorList{e}
	}
	return ErrorList{{Msg: err.Error()}}
}

// LoadCase reads the case in dir. A directory with no .go files is an
// error: it cannot be built, and a user who listed it meant something.
func LoadCase(dir string) (*Case, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Case{Name: filepath.Base(abs), Dir: abs, Rel: dir}
	hasGo := false
	err = filepath.WalkDir(abs, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			if p != abs && (strings.HasPrefix(de.Name(), ".") || de.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !de.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(abs, p)
		c.Files = append(c.Files, filepath.ToSlash(rel))
		if filepath.Dir(rel) == "." && strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") {
			hasGo = true
		}
		if rel == "go.mod" {
			c.HasGoMod = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read case %s: %w", dir, err)
	}
	c.HasProgram = hasGo
	c.Kind = defaultKind(abs, c.Files)
	if err := c.hash(); err != nil {
		return nil, fmt.Errorf("read case %s: %w", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(abs, CaseFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read case %s: %w", dir, err)
	}
	if err == nil {
		if err := c.parse(filepath.Join(dir, CaseFile), data); err != nil {
			return nil, err
		}
	}
	if !c.HasProgram && c.Module.Path == "" && c.Kind != KindTest {
		return nil, &Error{File: dir, Msg: "case directory has no .go files", Hint: "a case is a directory holding a main package, or a case.yaml naming a module version (module: path@version)"}
	}
	return c, nil
}

// hash sets Hash from Files.
func (c *Case) hash() error {
	sort.Strings(c.Files)
	h := sha256.New()
	for _, f := range c.Files {
		data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	c.Hash = hex.EncodeToString(h.Sum(nil))
	return nil
}

func (c *Case) parse(file string, data []byte) error {
	root, err := parseYAML(file, data)
	if err != nil || root == nil {
		return err
	}
	d := &decoder{file: file}
	for _, f := range d.fields(root, "", caseKeys) {
		if !c.runField(d, f) {
			c.sourceField(d, f)
		}
	}
	c.checkKeys(d, root)
	return d.err()
}

// runField decodes a key that says how the case runs and is judged; it
// reports whether f was one.
func (c *Case) runField(d *decoder, f field) bool {
	switch f.key {
	case "description":
		c.Description, _ = d.str(f.value, f.key)
	case "complete_on":
		c.parseCompleteOn(d, f)
	case "self_ms":
		c.SelfMS = d.selfMS(f.value, f.key)
	case "timeout":
		c.Timeout, _ = d.duration(f.value, f.key)
	case "build_timeout":
		c.BuildTimeout, _ = d.duration(f.value, f.key)
	case "go":
		c.Go = d.constraint(f.value, f.key)
	case "repeat":
		if v, ok := d.repeat(f.value, f.key); ok {
			c.Repeat = v
		}
	case "memory_limit":
		c.MemoryLimit, _ = d.size(f.value, f.key)
	case "env":
		c.Env = d.env(f.value, f.key)
	case "versions", "gomaxprocs", "godebug", "goexperiment", "go_line":
		c.Axes.parse(d, f)
	default:
		return false
	}
	return true
}

// sourceField decodes a key that says what the case builds.
func (c *Case) sourceField(d *decoder, f field) {
	switch f.key {
	case "module":
		c.Module = d.moduleVersion(f.value, f.key)
	case "package":
		c.Package = d.packagePath(f.value, f.key)
	case "packages":
		c.Packages = d.packagePath(f.value, f.key)
	case "kind":
		c.Kind = d.kind(f.value, f.key)
	case "test":
		c.Test = d.testFlags(f)
	case "args":
		c.Args = d.strings(f)
	case "tags":
		c.Tags = d.strings(f)
	}
}

// checkKeys refuses keys that contradict each other.
func (c *Case) checkKeys(d *decoder, root *yaml.Node) {
	if c.Package != "" && c.Module.Path == "" {
		d.errorf(root, "package", "package names a package of the module a case's module key names", "package without module")
	}
	if c.Packages != "" && (c.Package != "" || c.Kind != KindTest) {
		d.errorf(root, "packages", "packages: ./... runs the tests of every package below the case (kind: test); package: names one", "packages goes with kind: test and without package")
	}
	if c.Kind == KindTest && (c.CompleteOn != nil || c.SelfMS != nil || len(c.Args) > 0) {
		d.errorf(root, "kind", "a test case completes when its tests pass; pass test flags under test:", "complete_on, self_ms and args do not apply to a test case")
	}
	if c.Kind != KindTest && !reflect.DeepEqual(c.Test, TestFlags{}) {
		d.errorf(root, "test", "write kind: test, or leave test: out", "test flags for a case that is not a test case")
	}
}

// constraint reads a version constraint (go: '>=1.14').
func (d *decoder) constraint(n *yaml.Node, key string) gover.Constraint {
	s, ok := d.str(n, key)
	if !ok {
		return gover.Constraint{}
	}
	con, err := gover.ParseConstraint(s)
	if err != nil {
		d.errorf(n, key, `write a constraint such as ">=1.14" or ">=1.18 <1.22"`, "%v", err)
	}
	return con
}

// strings reads a list of strings.
func (d *decoder) strings(f field) []string {
	var list []string
	for i, n := range d.seq(f.value, f.key, true) {
		if s, ok := d.str(n, fmt.Sprintf("%s[%d]", f.key, i)); ok {
			list = append(list, s)
		}
	}
	return list
}

// selfMS reads a regexp with exactly one group, a number.
func (d *decoder) selfMS(n *yaml.Node, key string) *regexp.Regexp {
	re, ok := d.regexp(n, key)
	if ok && re.NumSubexp() != 1 {
		d.errorf(n, key, `write self_ms: '^hi after ([0-9.]+) ms': one group, the number of milliseconds`, "want one group in the regexp, found %d", re.NumSubexp())
		return nil
	}
	return re
}

// parseCompleteOn reads `complete_on: exit` or
// `complete_on: {output: RE, stream: stdout|stderr}`.
func (c *Case) parseCompleteOn(d *decoder, f field) {
	const hint = "write complete_on: exit, or complete_on: {output: '^hi$'}"
	if f.value.Kind == yaml.ScalarNode {
		s, ok := d.str(f.value, f.key)
		if ok && s != "exit" {
			d.errorf(f.value, f.key, hint, "unknown value %q", s)
		}
		return
	}
	for _, g := range d.fields(f.value, f.key, []string{"output", "stream"}) {
		key := join(f.key, g.key)
		switch g.key {
		case "output":
			c.CompleteOn, _ = d.regexp(g.value, key)
		case "stream":
			s, ok := d.str(g.value, key)
			if ok && s != "stdout" && s != "stderr" && s != "" {
				d.errorf(g.value, key, "stream is stdout or stderr; leave it out for both", "unknown stream %q", s)
				break
			}
			c.CompleteStream = s
		}
	}
	if c.CompleteOn == nil && len(d.errs) == 0 {
		d.errorf(f.value, f.key, hint, "complete_on needs output")
	}
}

// moduleVersion reads module: path@version, a version the proxy can
// serve as is (no query such as @latest: a case names what it tests).
func (d *decoder) moduleVersion(n *yaml.Node, key string) module.Version {
	const hint = "write module: golang.org/x/sync@v0.10.0 (a module path and an exact version)"
	s, ok := d.str(n, key)
	if !ok {
		return module.Version{}
	}
	p, v, found := strings.Cut(s, "@")
	if !found {
		d.errorf(n, key, hint, "%q has no @version", s)
		return module.Version{}
	}
	mv := module.Version{Path: p, Version: v}
	if err := module.Check(p, v); err != nil {
		d.errorf(n, key, hint, "%v", err)
		return module.Version{}
	}
	return mv
}

// packagePath reads package: a slash-separated path inside the module,
// "." or starting with "./".
func (d *decoder) packagePath(n *yaml.Node, key string) string {
	s, ok := d.str(n, key)
	if !ok {
		return ""
	}
	dir, _ := strings.CutSuffix(s, "/...")
	clean := path.Clean(dir)
	if dir != "." && !strings.HasPrefix(dir, "./") || strings.HasPrefix(clean, "..") || strings.Contains(s, `\`) || key == "package" && dir != s {
		d.errorf(n, key, `write package: ./errgroup (a directory of the module, relative to its root)`, "%q is not a path inside the module", s)
		return ""
	}
	if dir != s {
		return "./" + strings.TrimPrefix(clean, "./") + "/..."
	}
	return "./" + strings.TrimPrefix(clean, "./")
}

// parse reads one of a case's axis lists into a, with the checks the
// matrix's list of the same key has.
func (a *CaseAxes) parse(d *decoder, f field) {
	if a.Pos == nil {
		a.Pos = map[string]Pos{}
	}
	a.Pos[f.key] = Pos{d.file, f.value.Line, f.value.Column}
	switch f.key {
	case "versions":
		a.Versions, _ = d.stringList(f, strings.TrimSpace, nonEmpty("empty version", versionHint), unique(), validSelector)
		a.Versions = nonNil(a.Versions)
	case "gomaxprocs":
		a.GOMAXPROCS = d.gomaxprocs(f)
		if a.GOMAXPROCS == nil {
			a.GOMAXPROCS = []int{}
		}
	case "godebug":
		a.GODEBUG, _ = d.stringList(f, nil, unique(), CheckGODEBUG)
		a.GODEBUG = nonNil(a.GODEBUG)
	case "goexperiment":
		a.GOEXPERIMENT, _ = d.stringList(f, nil, unique(), CheckGOEXPERIMENT)
		a.GOEXPERIMENT = nonNil(a.GOEXPERIMENT)
	case "go_line":
		a.GoLine, _ = d.stringList(f, strings.TrimSpace, unique(), CheckGoLine)
		a.GoLine = nonNil(a.GoLine)
	}
}

// nonNil makes a list the case wrote, even an empty one, non-nil: nil
// means "not written".
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// kind reads kind: program or test.
func (d *decoder) kind(n *yaml.Node, key string) string {
	s, ok := d.str(n, key)
	switch {
	case !ok:
	case s == KindTest:
		return KindTest
	case s != "program":
		d.errorf(n, key, "write kind: test (the package's tests) or kind: program (a main package)", "unknown kind %q", s)
	}
	return ""
}

// testFlags reads test: {run, skip, count, short, cpu, flags}.
func (d *decoder) testFlags(f field) TestFlags {
	var t TestFlags
	for _, g := range d.fields(f.value, f.key, []string{"run", "skip", "count", "short", "cpu", "flags", "race"}) {
		key := join(f.key, g.key)
		switch g.key {
		case "run", "skip":
			if re, ok := d.regexp(g.value, key); ok {
				*map[string]*string{"run": &t.Run, "skip": &t.Skip}[g.key] = re.String()
			}
		case "count":
			t.Count, _ = d.repeat(g.value, key)
		case "short":
			t.Short, _ = d.boolean(g.value, key)
		case "race":
			t.Race, _ = d.boolean(g.value, key)
		case "cpu":
			t.CPU, _ = d.str(g.value, key)
		case "flags":
			for i, n := range d.seq(g.value, key, true) {
				if s, ok := d.str(n, fmt.Sprintf("%s[%d]", key, i)); ok {
					t.Flags = append(t.Flags, s)
				}
			}
		}
	}
	return t
}

// defaultKind is the kind of a case directory whose case.yaml does not
// say: its tests when it has _test.go files and no main package.
func defaultKind(dir string, files []string) string {
	tests, main := false, false
	for _, f := range files {
		if path.Dir(f) != "." || !strings.HasSuffix(f, ".go") {
			continue
		}
		if strings.HasSuffix(f, "_test.go") {
			tests = true
		} else if packageName(filepath.Join(dir, f)) == "main" {
			main = true
		}
	}
	if tests && !main {
		return KindTest
	}
	return ""
}

// packageName is the package clause of the Go file at path, "" when it
// cannot be read.
func packageName(path string) string {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	return f.Name.Name
}
