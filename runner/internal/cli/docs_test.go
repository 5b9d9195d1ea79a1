package cli

// The docs against the code, in both directions, in the spirit of
// golang.org/x/perf/cmd/benchstat's doc test: every command, flag, YAML
// key, GOMATRIX_ environment variable and JSON event the code has must be
// documented, and every one the docs name must exist. The names come from
// the code as a user meets them wherever possible: commands from
// 'gomatrix help', flags from each command's -h, YAML keys from the
// decoder's own "known keys here" hints, JSON events from a reporter made
// to emit them; only the environment variables are read from the source,
// with go/parser. The docs are README.md, docs/*.md and runner/doc.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/progress"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../../.."

// cliDoc is the reference of commands, flags, environment variables and
// JSON events; matrixDoc of the YAML keys.
const (
	cliDoc    = "docs/cli.md"
	matrixDoc = "docs/matrix.md"
	manual    = "runner/doc.go"
)

// A doc is one documentation file: its path from the root and its text.
type doc struct {
	path string
	text string
}

// readDocs returns README.md, docs/*.md and runner/doc.go.
func readDocs(t *testing.T) []doc {
	t.Helper()
	paths := []string{"README.md"}
	md, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range md {
		paths = append(paths, "docs/"+filepath.Base(p))
	}
	paths = append(paths, manual)
	var docs []doc
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(repoRoot, p))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc{p, string(data)})
	}
	return docs
}

func docText(t *testing.T, docs []doc, path string) string {
	t.Helper()
	for _, d := range docs {
		if d.path == path {
			return d.text
		}
	}
	t.Fatalf("%s is missing", path)
	return ""
}

// runCLI runs the command line args in-process, which must succeed, and
// returns its standard output.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		if k == "GOMATRIX_CACHE" {
			return testCache
		}
		return os.Getenv(k)
	}}
	code := e.Main(context.Background(), args)
	if code != ExitOK {
		t.Fatalf("gomatrix %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// cliCommands returns the commands 'gomatrix help' lists, as the user
// sees them, with subcommands as "toolchains list": the command's
// usage line names them as <list|fetch|prune>.
func cliCommands(t *testing.T) []string {
	t.Helper()
	out := runCLI(t, "help")
	_, list, ok := strings.Cut(out, "\nCommands:\n")
	if !ok {
		t.Fatalf("'gomatrix help' has no Commands: section:\n%s", out)
	}
	var cmds []string
	for l := range strings.Lines(list) {
		m := regexp.MustCompile(`^\t([a-z][a-z0-9-]*)\s`).FindStringSubmatch(l)
		if m == nil {
			break
		}
		cmds = append(cmds, m[1])
		if m[1] == "help" {
			continue
		}
		help := runCLI(t, "help", m[1])
		if sub := regexp.MustCompile(`(?m)^usage: gomatrix ` + m[1] + ` <([a-z|]+)>`).FindStringSubmatch(help); sub != nil {
			for _, s := range strings.Split(sub[1], "|") {
				cmds = append(cmds, m[1]+" "+s)
			}
		}
	}
	if len(cmds) < 5 {
		t.Fatalf("found only %q in 'gomatrix help':\n%s", cmds, out)
	}
	return cmds
}

var defaultsFlag = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9_.-]*)`)

// cliFlags returns the flags of each command, from its -h (the lines
// flag.PrintDefaults writes). help has none, and no -h of its own:
// 'gomatrix help -h' asks for the help of a command named -h.
func cliFlags(t *testing.T, cmds []string) map[string][]string {
	t.Helper()
	flags := map[string][]string{}
	for _, c := range cmds {
		if c == "help" {
			flags[c] = nil
			continue
		}
		out := runCLI(t, append(strings.Fields(c), "-h")...)
		var names []string
		for _, m := range defaultsFlag.FindAllStringSubmatch(out, -1) {
			names = append(names, m[1])
		}
		flags[c] = names
	}
	return flags
}

// hiddenFlags are flags a command takes but does not list in its -h;
// the docs may name them.
var hiddenFlags = map[string][]string{
	"explain": {"probe"}, // the target bisect runs (docs/explain.md, "How it runs")
}

// Every command has a section "## gomatrix CMD" in docs/cli.md (a
// subcommand "### gomatrix CMD SUB") and a line in runner/doc.go's list,
// and neither names a command that does not exist.
func TestDocsCommands(t *testing.T) {
	docs := readDocs(t)
	cmds := cliCommands(t)
	ref := docText(t, docs, cliDoc)
	sections := commandSections(ref)
	for _, c := range cmds {
		if _, ok := sections[c]; !ok {
			level := "##"
			if strings.Contains(c, " ") {
				level = "###"
			}
			t.Errorf("%s: no section for the command %q: add a heading %q with its synopsis and a flag table", cliDoc, c, level+" gomatrix "+c)
		}
	}
	for c := range sections {
		if !slices.Contains(cmds, c) {
			t.Errorf("%s: a section %q for a command 'gomatrix help' does not list (commands: %s): remove it or fix its name", cliDoc, "gomatrix "+c, strings.Join(cmds, ", "))
		}
	}
}

// The manual, runner/doc.go, lists every top-level command as
// "gomatrix NAME  summary", and no other.
func TestManualListsCommands(t *testing.T) {
	text := docText(t, readDocs(t), manual)
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\tgomatrix ([a-z][a-z0-9-]*)  `).FindAllStringSubmatch(text, -1) {
		listed[m[1]] = true
	}
	for _, c := range cliCommands(t) {
		if strings.Contains(c, " ") {
			continue
		}
		if !listed[c] {
			t.Errorf("%s: the command list has no line for %q: add \"\\tgomatrix %s  <summary>\" to it", manual, c, c)
		}
		delete(listed, c)
	}
	for c := range listed {
		t.Errorf("%s: the command list names %q, which 'gomatrix help' does not list: remove it", manual, c)
	}
}

// Every flag of every command has a row in its section of docs/cli.md,
// and every row names a flag the command has.
func TestDocsFlags(t *testing.T) {
	docs := readDocs(t)
	cmds := cliCommands(t)
	flags := cliFlags(t, cmds)
	sections := commandSections(docText(t, docs, cliDoc))
	row := regexp.MustCompile("(?m)^\\| `-{1,2}([A-Za-z0-9][A-Za-z0-9_.-]*)")
	for _, c := range cmds {
		body, ok := sections[c]
		if !ok {
			continue // TestDocsCommands reports it
		}
		documented := map[string]bool{}
		for _, m := range row.FindAllStringSubmatch(ownText(body), -1) {
			documented[m[1]] = true
		}
		for _, f := range flags[c] {
			if !documented[f] {
				t.Errorf("%s: flag -%s of 'gomatrix %s' is undocumented: add a row \"| `-%s …` | what it does |\" to the flag table under %q",
					cliDoc, f, c, f, "gomatrix "+c)
			}
			delete(documented, f)
		}
		for f := range documented {
			t.Errorf("%s: the flag table of %q documents -%s, which 'gomatrix %s -h' does not list (flags: %s): remove the row or fix its name",
				cliDoc, "gomatrix "+c, f, c, dashed(flags[c]))
		}
	}
	// What run writes: docs/cli.md and 'gomatrix help run' name every file.
	runHelp := runCLI(t, "help", "run")
	for _, f := range pipeline.Files() {
		if !strings.Contains(sections["run"], "`"+f+"`") {
			t.Errorf("%s: the section of 'gomatrix run' does not name %s, a file run writes", cliDoc, f)
		}
		if !strings.Contains(runHelp, f) {
			t.Errorf("'gomatrix help run' does not name %s, a file run writes", f)
		}
	}
}

// Every command line in the docs, in a code block or a code span,
// names a command that exists and only flags that command has.
func TestDocsCommandLines(t *testing.T) {
	cmds := cliCommands(t)
	flags := cliFlags(t, cmds)
	checked := 0
	for _, d := range readDocs(t) {
		lines := commandLines(d.text)
		if strings.HasSuffix(d.path, ".go") {
			lines = goCommandLines(d.text)
		}
		for _, cl := range lines {
			cmd, used, err := parseCommandLine(cl.text, cmds)
			if err != nil {
				t.Errorf("%s:%d: %s\n\t%s", d.path, cl.line, err, cl.text)
				continue
			}
			if cmd == "" {
				continue
			}
			checked++
			for _, f := range used {
				if f == "h" || f == "help" || slices.Contains(flags[cmd], f) || slices.Contains(hiddenFlags[cmd], f) {
					continue
				}
				t.Errorf("%s:%d: 'gomatrix %s' has no flag -%s (its flags: %s): fix the command line\n\t%s",
					d.path, cl.line, cmd, f, dashed(flags[cmd]), cl.text)
			}
		}
	}
	if checked < 50 {
		t.Errorf("found only %d command lines in the docs: the parser is broken", checked)
	}
}

// Every GOMATRIX_ environment variable a non-test .go file of the
// repository names in a string literal (the variables the code reads,
// or sets for itself) has a row in a table of the docs; every GOMATRIX_
// variable the docs name is in a string literal of some .go file, tests
// included (variables of the tests), or is defined as a YAML key in the
// same doc (a workflow's env).
func TestDocsEnvironment(t *testing.T) {
	code, all := envLiterals(t)
	if !code["GOMATRIX_CACHE"] {
		t.Fatalf("found no string literal GOMATRIX_CACHE in the repository's .go files: the scan is broken (found %v)", sortedKeys(code))
	}
	docs := readDocs(t)
	name := regexp.MustCompile(`GOMATRIX_[A-Z0-9_]*[A-Z0-9]`)
	rows := map[string]bool{} // named in the first cell of a table row
	for _, d := range docs {
		for _, l := range proseLines(d.text) {
			if cells := strings.SplitN(l.text, "|", 3); len(cells) == 3 && cells[0] == "" {
				for _, v := range name.FindAllString(cells[1], -1) {
					rows[v] = true
				}
			}
		}
	}
	for _, v := range sortedKeys(code) {
		if !rows[v] {
			t.Errorf("environment variable %s is read by the code but has no table row in the docs: add \"| `%s` | what it does |\" to the Environment table of %s (or, for one users never set, to that of docs/internals.md)", v, v, cliDoc)
		}
	}
	for _, d := range docs {
		defined := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^\s*(GOMATRIX_[A-Z0-9_]+):`).FindAllStringSubmatch(d.text, -1) {
			defined[m[1]] = true
		}
		seen := map[string]bool{}
		for _, v := range name.FindAllString(d.text, -1) {
			if seen[v] || all[v] || defined[v] {
				continue
			}
			seen[v] = true
			t.Errorf("%s names the environment variable %s, which no .go file of the repository mentions in a string literal: remove it or fix its name", d.path, v)
		}
	}
}

// envLiterals returns the GOMATRIX_ names that start a string literal in
// the repository's non-test .go files (code) and in all of them (all),
// read with go/parser.
func envLiterals(t *testing.T) (code, all map[string]bool) {
	t.Helper()
	code, all = map[string]bool{}, map[string]bool{}
	prefix := regexp.MustCompile(`^GOMATRIX_[A-Z0-9_]*[A-Z0-9]`)
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		test := strings.HasSuffix(path, "_test.go")
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if v := prefix.FindString(s); v != "" {
				all[v] = true
				if !test {
					code[v] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return code, all
}

// Every JSON event a run emits with -json has a row in the JSON events
// table of docs/cli.md, every row names one, and no doc names an event
// that is not emitted.
func TestDocsJSONEvents(t *testing.T) {
	emitted := emittedEvents(t)
	docs := readDocs(t)
	table := markdownSection(commandSections(docText(t, docs, cliDoc))["run"], "### JSON events")
	if table == "" {
		t.Fatalf("%s: no \"### JSON events\" section under \"## gomatrix run\"", cliDoc)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z][a-z_-]*)` \\|").FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	for _, e := range emitted {
		if !documented[e] {
			t.Errorf("%s: JSON event %q is emitted by 'gomatrix run -json' but undocumented: add \"| `%s` | its fields |\" to the table under \"### JSON events\"", cliDoc, e, e)
		}
	}
	for e := range documented {
		if !slices.Contains(emitted, e) {
			t.Errorf("%s: the JSON events table documents %q, which is not emitted (events: %s): remove the row or fix its name", cliDoc, e, strings.Join(emitted, ", "))
		}
	}
	// Elsewhere, a code span shaped like an event name must be one.
	shape := regexp.MustCompile("`([a-z]+(?:[-_][a-z]+)*[-_](?:started|finished|fetched|fetching|done))`")
	for _, d := range docs {
		for _, m := range shape.FindAllStringSubmatch(d.text, -1) {
			if !slices.Contains(emitted, m[1]) {
				t.Errorf("%s names the JSON event %q, which is not emitted (events: %s): fix the name", d.path, m[1], strings.Join(emitted, ", "))
			}
		}
	}
}

// emittedEvents makes the JSON reporter of a run emit every event, by
// calling every method of progress.Reporter, and returns the events'
// names in order.
func emittedEvents(t *testing.T) []string {
	t.Helper()
	var out bytes.Buffer
	r := progress.New(progress.Options{Stdout: &out, Stderr: io.Discard, JSON: true, Getenv: func(string) string { return "" }})
	tc := toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15"}
	c := &matrix.Case{Name: "busyloop"}
	cell := &matrix.Cell{Case: c, Toolchain: tc, GOMAXPROCS: 1}
	type call struct {
		method string
		call   func()
	}
	calls := []call{
		{"FetchStarted", func() { r.FetchStarted([]toolchain.Toolchain{tc}) }},
		{"ToolchainFetched", func() { r.ToolchainFetched(tc) }},
		{"RunStarted", func() { r.RunStarted([]*matrix.Cell{cell}) }},
		{"BuildDone", func() { r.BuildDone(build.Request{Case: c, Toolchain: tc}, build.Result{Duration: time.Second}) }},
		{"CellStarted", func() { r.CellStarted(cell) }},
		{"CellDone", func() {
			r.CellDone(cell, &results.Cell{Case: c.Name, Go: tc.Version, Outcome: results.Complete, Runs: 1})
		}},
		{"Finish", func() {
			r.Finish(&results.Results{Complete: true, Cells: []results.Cell{{Case: c.Name, Outcome: results.Complete}}})
		}},
		{"Writer", func() { r.Writer() }},
	}
	rt := reflect.TypeFor[progress.Reporter]()
	for i := range rt.NumMethod() {
		m := rt.Method(i).Name
		if !slices.ContainsFunc(calls, func(c call) bool { return c.method == m }) {
			t.Errorf("progress.Reporter has a method %s that emittedEvents in docs_test.go does not call: add a call, so the JSON events it emits are checked against %s", m, cliDoc)
		}
	}
	for _, c := range calls {
		c.call()
	}
	var names []string
	for line := range strings.Lines(out.String()) {
		var e struct {
			Event string `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Event == "" {
			t.Fatalf("a JSON event line without \"event\": %q (%v)", line, err)
		}
		if !slices.Contains(names, e.Event) {
			names = append(names, e.Event)
		}
	}
	if len(names) < len(calls)-1 {
		t.Fatalf("only %d events for %d calls: %s", len(names), len(calls), out.String())
	}
	return names
}

// A keyProbe finds the keys the decoder accepts at one place of a matrix
// or case file: it writes an unknown key there and reads the decoder's
// "known keys here" hint.
type keyProbe struct {
	label string // the place, as the docs' table header names it: "<label> key"
	file  string // "matrix", "case" or "-only"
	yaml  string // the file, with unknownKey at the place
}

const unknownKey = "zzzzzz"

var keyProbes = []keyProbe{
	{"matrix.yaml", "matrix", "zzzzzz: 1\n"},
	{"exclude", "matrix", "exclude: [{zzzzzz: 1}]\n"},
	{"include", "matrix", "include: [{zzzzzz: 1}]\n"},
	{"claims", "matrix", "claims: [{zzzzzz: 1}]\n"},
	{"cells", "matrix", "claims: [{id: A, claim: a, cells: {zzzzzz: 1}, expect: hang}]\n"},
	{"expect", "matrix", "claims: [{id: A, claim: a, cells: {case: a}, expect: {zzzzzz: 1}}]\n"},
	{"complete_ms", "matrix", "claims: [{id: A, claim: a, cells: {case: a}, expect: {outcome: complete, complete_ms: {zzzzzz: 1}}}]\n"},
	{"-only", "-only", ""},
	{"case.yaml", "case", "zzzzzz: 1\n"},
	{"complete_on", "case", "complete_on: {zzzzzz: 1}\n"},
	{"test", "case", "kind: test\ntest: {zzzzzz: 1}\n"},
}

// probeKeys returns the keys the decoder knows at p's place.
func probeKeys(t *testing.T, p keyProbe) []string {
	t.Helper()
	if p.file == "-only" {
		err := matrix.Filter{}.Add(unknownKey + "=1")
		_, keys, ok := strings.Cut(fmt.Sprint(err), "hint: keys are ")
		if !ok {
			t.Fatalf("-only %s=1: no \"keys are\" hint in %v: update keyProbes", unknownKey, err)
		}
		return strings.Split(strings.TrimSpace(keys), ", ")
	}
	errs := decodeErrors(t, p.file, p.yaml)
	for _, e := range errs {
		if e.Msg != fmt.Sprintf("unknown key %q", unknownKey) {
			continue
		}
		_, keys, ok := strings.Cut(e.Hint, "known keys here: ")
		if !ok {
			t.Fatalf("%s: the unknown key's hint lists no known keys: %q", p.label, e.Hint)
		}
		keys, _, _ = strings.Cut(keys, " (did you mean")
		return strings.Split(keys, ", ")
	}
	t.Fatalf("%s: decoding %q reported no unknown key %q (errors: %v): update keyProbes in docs_test.go", p.label, p.yaml, unknownKey, errs)
	return nil
}

// decodeErrors decodes data as a matrix file or as a case's case.yaml
// and returns the errors.
func decodeErrors(t *testing.T, file, data string) matrix.ErrorList {
	t.Helper()
	var err error
	switch file {
	case "matrix":
		_, err = matrix.Parse("matrix.yaml", []byte(data))
	case "case":
		dir := t.TempDir()
		for name, content := range map[string]string{"main.go": "package main\n\nfunc main() {}\n", "case.yaml": data} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		_, err = matrix.LoadCase(dir)
	default:
		t.Fatalf("unknown file %q", file)
	}
	var list matrix.ErrorList
	if err != nil && !errors.As(err, &list) {
		var e *matrix.Error
		if errors.As(err, &e) {
			return matrix.ErrorList{e}
		}
		t.Fatalf("%v", err)
	}
	return list
}

// Every key the matrix and case decoders accept has a row in the key
// table of its place in the docs ("| matrix.yaml key | …"), and every row
// names a key the decoder accepts there. Every yaml block of the docs
// decodes as a matrix file or a case.yaml without an unknown key.
func TestDocsYAMLKeys(t *testing.T) {
	docs := readDocs(t)
	known := map[string][]string{}
	for _, p := range keyProbes {
		known[p.label] = probeKeys(t, p)
	}
	// include takes the keys of exclude and its own: its table lists its own.
	known["include"] = slices.DeleteFunc(slices.Clone(known["include"]), func(k string) bool { return slices.Contains(known["exclude"], k) })

	tables := keyTables(t, docs)
	for _, p := range keyProbes {
		tab, ok := tables[p.label]
		if !ok {
			t.Errorf("no table documents the keys of %s: add one to %s whose header starts with \"| %s key |\", a row per key (%s)",
				p.label, matrixDoc, p.label, strings.Join(known[p.label], ", "))
			continue
		}
		for _, k := range known[p.label] {
			if !slices.Contains(tab.keys, k) {
				t.Errorf("%s: the %q table has no row for %s, which the decoder accepts: add \"| `%s` | … |\" to it", tab.path, p.label+" key", k, k)
			}
		}
		for _, k := range tab.keys {
			if !slices.Contains(known[p.label], k) {
				t.Errorf("%s: the %q table documents %s, which the decoder does not accept there (keys: %s): remove the row or fix its name",
					tab.path, p.label+" key", k, strings.Join(known[p.label], ", "))
			}
		}
	}
	for label, tab := range tables {
		if _, ok := known[label]; !ok {
			t.Errorf("%s: a key table for %q, a place the test does not know: name one of %s in its header, or add a probe to keyProbes", tab.path, label, strings.Join(sortedKeys(known), ", "))
		}
	}

	// The examples.
	for _, d := range docs {
		for _, b := range yamlBlocks(d.text) {
			var root yaml.Node
			if yaml.Unmarshal([]byte(b.text), &root) != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
				continue
			}
			if isWorkflow(root.Content[0]) {
				continue
			}
			asMatrix := unknownKeys(decodeErrors(t, "matrix", b.text))
			if len(asMatrix) == 0 {
				continue
			}
			asCase := unknownKeys(decodeErrors(t, "case", b.text))
			if len(asCase) == 0 {
				continue
			}
			t.Errorf("%s:%d: this yaml block has keys unknown to matrix.yaml (%s) and to case.yaml (%s): fix the example",
				d.path, b.line, strings.Join(asMatrix, "; "), strings.Join(asCase, "; "))
		}
	}
}

func unknownKeys(errs matrix.ErrorList) []string {
	var out []string
	for _, e := range errs {
		if strings.HasPrefix(e.Msg, "unknown key ") {
			out = append(out, e.Key)
		}
	}
	return out
}

// isWorkflow reports whether a YAML mapping is a GitHub workflow or
// action, not a matrix or case file.
func isWorkflow(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "jobs", "on", "runs", "steps", "uses", "with", "name", "inputs", "outputs", "permissions", "defaults", "concurrency":
			return true
		}
	}
	return false
}

// The verdicts the README gives the article's claims are those of the
// committed results, claim by claim.
func TestDocsREADMEVerdicts(t *testing.T) {
	readme := docText(t, readDocs(t), "README.md")
	r, err := results.Read(filepath.Join(repoRoot, "results", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, c := range r.Claims {
		want[c.ID] = c.Verdict
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`\*\*([A-Z][A-Za-z0-9]*) (holds|refuted|partly|flaky|unstable|untested)\*\*`).FindAllStringSubmatch(readme, -1) {
		got[m[1]] = m[2]
	}
	for id, v := range want {
		switch g, ok := got[id]; {
		case !ok:
			t.Errorf("README.md gives no verdict for claim %s: add \"- **%s %s**: …\" to \"What the runs say about the article\"", id, id, v)
		case g != v:
			t.Errorf("README.md says **%s %s**, but results/results.json says %s %s: update the README", id, g, id, v)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("README.md gives a verdict for claim %s, which results/results.json does not have", id)
		}
	}
}

// Every test docs/guarantees.md names exists.
func TestDocsGuaranteesTests(t *testing.T) {
	text := docText(t, readDocs(t), "docs/guarantees.md")
	tests := testFuncs(t)
	ref := regexp.MustCompile("`(?:([a-z]+)\\.)?(Test[A-Za-z0-9_]+)(?:/[^`]*)?`")
	n := 0
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(line, " | ")
		pkg := ""
		for _, m := range ref.FindAllStringSubmatch(cells[len(cells)-1], -1) {
			if m[1] != "" {
				pkg = m[1]
			}
			n++
			if pkg == "" {
				t.Errorf("docs/guarantees.md names %s without its package: write pkg.%s", m[2], m[2])
				continue
			}
			if !tests[pkg][m[2]] {
				t.Errorf("docs/guarantees.md names %s.%s, which no package %s under runner/ has: fix the name", pkg, m[2], pkg)
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d test names in docs/guarantees.md: the table's format changed?", n)
	}
}

// testFuncs returns the Test functions of the _test.go files under
// runner/, by the base name of their directory.
func testFuncs(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join(repoRoot, "runner"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkg := filepath.Base(filepath.Dir(path))
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				if out[pkg] == nil {
					out[pkg] = map[string]bool{}
				}
				out[pkg][fn.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every relative link of the docs points at a file of the repository
// (never outside it), and every #anchor at a heading there.
func TestDocsLinks(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, d := range readDocs(t) {
		if !strings.HasSuffix(d.path, ".md") {
			continue
		}
		for _, l := range proseLines(d.text) {
			for _, m := range link.FindAllStringSubmatch(l.text, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				path := filepath.Join(root, filepath.Dir(d.path), filepath.FromSlash(file))
				if file == "" {
					path = filepath.Join(root, d.path)
				}
				if rel, err := filepath.Rel(root, path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					t.Errorf("%s:%d: the link %s points outside the repository", d.path, l.line, target)
					continue
				}
				data, err := os.ReadFile(path)
				if err != nil {
					if st, serr := os.Stat(path); serr == nil && st.IsDir() && anchor == "" {
						continue
					}
					t.Errorf("%s:%d: the link %s points at %s, which does not exist", d.path, l.line, target, filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator))))
					continue
				}
				if anchor != "" && strings.HasSuffix(path, ".md") && !slices.Contains(headingAnchors(string(data)), anchor) {
					t.Errorf("%s:%d: the link %s names #%s, which is no heading of %s (anchors: %s)", d.path, l.line, target, anchor, file, strings.Join(headingAnchors(string(data)), ", "))
				}
			}
		}
	}
}

// --- Markdown helpers.

// A line is a line of a document, numbered from 1.
type line struct {
	line int
	text string
}

// mdLines splits md into lines, each marked as inside a fenced code block
// or not; the fences themselves are neither.
func mdLines(md string) (prose, code []line) {
	in := false
	n := 0
	for l := range strings.Lines(md) {
		n++
		l = strings.TrimRight(l, "\n")
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if in {
			code = append(code, line{n, l})
		} else {
			prose = append(prose, line{n, l})
		}
	}
	return prose, code
}

func proseLines(md string) []line {
	p, _ := mdLines(md)
	return p
}

// headingAnchors returns the anchors GitHub gives the headings of md.
func headingAnchors(md string) []string {
	var out []string
	seen := map[string]int{}
	for _, l := range proseLines(md) {
		h := strings.TrimLeft(l.text, "#")
		if h == l.text || !strings.HasPrefix(h, " ") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(h)) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && isLetter(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", a, n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}

func isLetter(r rune) bool { return strings.ToLower(string(r)) != strings.ToUpper(string(r)) }

// commandSections returns the sections of docs/cli.md headed
// "## gomatrix CMD" or "### gomatrix CMD SUB", by command, each up to the
// next heading of its level or above.
func commandSections(md string) map[string]string {
	out := map[string]string{}
	head := regexp.MustCompile(`^(#{2,3}) gomatrix ([a-z][a-z0-9 -]*)$`)
	prose := proseLines(md)
	lines := strings.Split(md, "\n")
	for i, l := range prose {
		m := head.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		end := len(lines)
		for _, next := range prose[i+1:] {
			if h := strings.TrimLeft(next.text, "#"); h != next.text && strings.HasPrefix(h, " ") && len(next.text)-len(h) <= len(m[1]) {
				end = next.line - 1
				break
			}
		}
		out[strings.TrimSpace(m[2])] = strings.Join(lines[l.line-1:end], "\n")
	}
	return out
}

// ownText returns a section's text up to its first subsection: a
// command's flag table, not its subcommands'.
func ownText(section string) string {
	prose, _ := mdLines(section)
	lines := strings.Split(section, "\n")
	for _, l := range prose[1:] {
		if h := strings.TrimLeft(l.text, "#"); h != l.text && strings.HasPrefix(h, " ") {
			return strings.Join(lines[:l.line-1], "\n")
		}
	}
	return section
}

// markdownSection returns the part of md from the heading line to the
// next heading of its level or above.
func markdownSection(md, heading string) string {
	i := strings.Index(md, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i+1:]
	level := len(heading) - len(strings.TrimLeft(heading, "#"))
	lines := strings.SplitAfter(rest, "\n")
	for j, l := range lines[1:] {
		h := strings.TrimLeft(l, "#")
		if h != l && strings.HasPrefix(h, " ") && len(l)-len(h) <= level {
			return strings.Join(lines[:j+1], "")
		}
	}
	return rest
}

// A keyTable is a table of the docs whose header is "| <label> key | …".
type keyTable struct {
	path string
	keys []string
}

// keyTables returns the key tables of the docs, by label; a header
// "| exclude, cells, -only key |" documents three places.
func keyTables(t *testing.T, docs []doc) map[string]keyTable {
	t.Helper()
	out := map[string]keyTable{}
	header := regexp.MustCompile(`^\| ([^|]+) key \|`)
	code := regexp.MustCompile("`([^`]+)`")
	for _, d := range docs {
		prose := proseLines(d.text)
		for i, l := range prose {
			m := header.FindStringSubmatch(l.text)
			if m == nil {
				continue
			}
			var keys []string
			for _, r := range prose[i+1:] {
				if !strings.HasPrefix(r.text, "|") {
					break
				}
				first := strings.SplitN(r.text, "|", 3)[1]
				for _, k := range code.FindAllStringSubmatch(first, -1) {
					keys = append(keys, k[1])
				}
			}
			for _, label := range strings.Split(m[1], ", ") {
				if prev, ok := out[label]; ok {
					t.Errorf("%s and %s both have a table of %s keys: keep one", prev.path, d.path, label)
				}
				out[label] = keyTable{d.path, keys}
			}
		}
	}
	return out
}

// yamlBlocks returns the fenced ```yaml blocks of md, with the line each
// starts on.
func yamlBlocks(md string) []line {
	var out []line
	var cur *line
	n := 0
	for l := range strings.Lines(md) {
		n++
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && (trimmed == "```yaml" || trimmed == "```yml"):
			cur = &line{line: n + 1}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += l
		}
	}
	return out
}

// commandLines returns the code in md that may be a command line: the
// lines of fenced blocks and the code spans of the prose, with "go run
// ./runner" read as "gomatrix".
func commandLines(md string) []line {
	prose, code := mdLines(md)
	var out []line
	for _, l := range code {
		out = append(out, l)
	}
	for _, l := range prose {
		for _, m := range codeSpan.FindAllStringSubmatch(l.text, -1) {
			out = append(out, line{l.line, m[1]})
		}
	}
	for i := range out {
		out[i].text = goRunRunner.ReplaceAllString(out[i].text, "gomatrix")
	}
	return out
}

// goCommandLines returns the lines of a Go file's doc comment indented
// by a tab (its code) and its code spans.
func goCommandLines(src string) []line {
	var out []line
	n := 0
	for l := range strings.Lines(src) {
		n++
		l = strings.TrimRight(l, "\n")
		if strings.HasPrefix(l, "\t") {
			out = append(out, line{n, l})
		}
		for _, m := range codeSpan.FindAllStringSubmatch(l, -1) {
			out = append(out, line{n, m[1]})
		}
	}
	for i := range out {
		out[i].text = goRunRunner.ReplaceAllString(out[i].text, "gomatrix")
	}
	return out
}

var (
	codeSpan    = regexp.MustCompile("`([^`]+)`")
	goRunRunner = regexp.MustCompile(`go run \./runner\b`)
)

// parseCommandLine finds "gomatrix …" in s and returns the command it
// runs ("" when s is output or a placeholder) and the flags it uses.
func parseCommandLine(s string, cmds []string) (cmd string, flags []string, err error) {
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i] // a shell comment
	}
	tokens := strings.Fields(s)
	start := slices.Index(tokens, "gomatrix")
	if start < 0 {
		return "", nil, nil
	}
	tokens = tokens[start+1:]
	cmd = "run"
	if len(tokens) > 0 {
		word := strings.Trim(tokens[0], "[]()'\"`,")
		switch {
		case strings.HasSuffix(tokens[0], ":"):
			return "", nil, nil // output: "gomatrix explain: …"
		case slices.Contains(cmds, word):
			cmd, tokens = word, tokens[1:]
			if len(tokens) > 0 && slices.Contains(cmds, cmd+" "+strings.Trim(tokens[0], "[]()")) {
				cmd, tokens = cmd+" "+strings.Trim(tokens[0], "[]()"), tokens[1:]
			}
		case regexp.MustCompile(`^[a-z]+$`).MatchString(word):
			return "", nil, fmt.Errorf("gomatrix has no command %q (commands: %s)", word, strings.Join(cmds, ", "))
		case word == "" || strings.HasPrefix(word, "<") || word == strings.ToUpper(word) && !strings.HasPrefix(word, "-") && regexp.MustCompile(`^[A-Z]`).MatchString(word):
			return "", nil, nil // a placeholder: gomatrix <command>, gomatrix COMMAND -h
		}
	}
	flagTok := regexp.MustCompile(`^-{1,2}([A-Za-z][A-Za-z0-9_.-]*)`)
	for i, tok := range tokens {
		if tok == "|" || tok == ">" || tok == ">>" || tok == "&&" || tok == ";" || tok == "||" {
			if tok == "|" && i+1 < len(tokens) && strings.HasPrefix(strings.TrimLeft(tokens[i+1], "["), "-") {
				continue // alternatives in a synopsis: [-godebug x | -compile y]
			}
			break
		}
		tok = strings.TrimLeft(tok, "[(")
		if m := flagTok.FindStringSubmatch(tok); m != nil {
			name, _, _ := strings.Cut(m[1], "[")
			flags = append(flags, strings.TrimRight(name, "."))
		}
	}
	return cmd, flags, nil
}

func dashed(flags []string) string {
	if len(flags) == 0 {
		return "none"
	}
	return "-" + strings.Join(flags, ", -")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
