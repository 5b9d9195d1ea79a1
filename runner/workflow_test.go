package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// The files this test keeps in step with the command, relative to runner/.
const (
	workflowFile = "../.github/workflows/gomatrix.yml"
	actionFile   = "../action.yml"
	guideFile    = "../docs/github-actions.md"
	// The checkout the emulated jobs see: a matrix of the machine's own Go
	// ("local": nothing is downloaded) whose cells complete, hang and fail.
	fixtureDir = "testdata/workflow"
)

// The steps the test runs, by id: what each job or the action must have.
var wantSteps = map[string][]string{
	"plan":   {"install", "plan"},
	"shard":  {"install", "shard"},
	"merge":  {"install", "merge"},
	"action": {"install", "plan", "run"},
}

// The reusable workflow and the composite action, run the way GitHub runs
// them, on this machine: every `run:` script under bash with the
// environment, expressions and files (GITHUB_OUTPUT, GITHUB_ENV,
// GITHUB_PATH, GITHUB_STEP_SUMMARY) GitHub gives it, the actions they
// use emulated (artifacts are copied; checkout, setup-go and the cache
// are what the machine already has). The workflow plans the fixture's
// matrix into 3 shards, runs each, and merges them; its merged results
// must have the cells and outcomes of a single 'gomatrix run'. Then again
// with a previous results.json (-from, -baseline) and fail-on
// fail,regression, which must fail the merge job and still upload and
// summarise the report and the diff. Then the action. Every gomatrix flag
// the scripts pass must be one the command has; every step the test runs
// must be there, found by its id.
//
// Only the machine's own Go is used ("local"), nothing is downloaded
// (GOPROXY=off, GOMATRIX_OFFLINE=1), and the gomatrix cache is a
// temporary directory.
func TestWorkflowAndAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gomatrix and runs a matrix through the workflow's and the action's scripts")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the scripts run under bash, as on Linux and macOS runners")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	wf, act := loadWorkflow(t), loadAction(t)
	checkStatic(t, wf, act)
	bin := buildGomatrix(t)
	checkFlags(t, bin, wf, act)
	shellcheck(t, act)
	if t.Failed() {
		t.FailNow()
	}

	g := newGitHub(t)
	t.Log("workflow: plan, 3 shards, merge")
	label := "test-runner=" + runtime.GOOS + "/" + runtime.GOARCH
	run := g.workflow(wf, map[string]string{"shards": "3", "runners": label, "gomatrix-version": "checkout", "fail-on": "none"})
	run.want(t, map[string]string{"plan": "success", "shard": "success", "merge": "success"})
	if n := len(run.jobs["shard"]); n != 3 {
		t.Fatalf("%d shard jobs, want 3", n)
	}
	single := singleRun(t, g, bin)
	sameCells(t, "the workflow's merged results", g.artifact(t, "gomatrix-results", "results.json"), single)
	for _, f := range []string{"results.md", "index.html"} {
		g.artifact(t, "gomatrix-results", f)
	}
	run.summaryHas(t, "plan", "### gomatrix plan")
	run.summaryHas(t, "merge", "hang")

	t.Log("workflow again: -from and -baseline a previous results.json, fail-on fail,regression")
	g.addToCheckout(t, single, "previous/results.json")
	run = g.workflow(wf, map[string]string{"shards": "3", "runners": label, "gomatrix-version": "checkout",
		"from": "previous/results.json", "baseline": "previous/results.json", "fail-on": "fail,regression", "results": "again"})
	run.want(t, map[string]string{"plan": "success", "shard": "success", "merge": "failure"})
	if got := run.jobs["merge"][0].outcomes["merge"]; got != "failure" {
		t.Errorf("fail-on fail,regression with a fail cell: the merge step's outcome is %q, want failure", got)
	}
	sameCells(t, "the merged results of a failing fail-on", g.artifact(t, "again", "results.json"), single)
	diff, err := os.ReadFile(g.artifact(t, "again", "diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	run.summaryHas(t, "merge", string(diff))
	run.summaryHas(t, "merge", "hang")

	t.Log("action")
	a := g.action(act, map[string]string{"fail-on": "refuted,regression", "args": "-q -baseline previous/results.json", "artifact": "from-the-action"})
	if a.failed {
		t.Fatalf("the action failed:\n%s", a.log.String())
	}
	if a.outputs["results"] != "gomatrix-results" || a.outputs["cache-key"] != "none" {
		t.Errorf("the action's outputs: %v, want results gomatrix-results, cache-key none (local only)", a.outputs)
	}
	sameCells(t, "the action's results", g.artifact(t, "from-the-action", "results.json"), single)
	if !strings.Contains(a.summary.String(), "hang") {
		t.Errorf("the action's job summary lacks the report:\n%s", a.summary.String())
	}
}

// The flag check reads the flags of a command line and of the arrays it
// expands, and nothing else.
func TestCommandFlags(t *testing.T) {
	script := `opts=()
if [ -f "$FROM" ]; then opts+=(-from "$FROM"); fi
extra=(-q)
plan=$(gomatrix plan -f "$M" -shards 1 2> x.txt) || status=$?
gomatrix -p 2 -o out "${opts[@]}" "${extra[@]}" | tee log
gomatrix merge --fail-on=none -o merged \
  -baseline b.json shards
GOBIN="$RUNNER_TEMP/gomatrix-bin" go install "github.com/gomatrix/gomatrix/cmd/gomatrix@$V"
go build -o "$RUNNER_TEMP/bin/" ./cmd/gomatrix
`
	got := commandFlags(script)
	want := map[string][]string{"plan": {"f", "shards"}, "run": {"p", "o", "from", "q"}, "merge": {"fail-on", "o", "baseline"}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("commandFlags: %v, want %v", got, want)
	}
}

// The expressions: what GitHub gives, and an error for a name the
// emulation does not know.
func TestExpressions(t *testing.T) {
	ctx := exprContext{"inputs.results": "out", "steps.plan.outcome": "failure", "needs.plan.result": "success", "matrix.versions": ""}
	for _, c := range []struct {
		expr   string
		failed bool
		want   bool
	}{
		{"", false, true},
		{"", true, false},
		{"matrix.versions != ''", false, false},
		{"${{ !cancelled() && needs.plan.result == 'SUCCESS' }}", true, true},
		{"${{ !cancelled() && inputs.results != '' }}", false, true},
		{"always()", true, true},
		{"failure() || (inputs.results == 'x')", false, false},
		{"steps.plan.outputs.matrix == ''", false, true}, // a failed step's outputs are empty
	} {
		got, err := ctx.condition(c.expr, statusFuncs{failed: c.failed})
		if err != nil || got != c.want {
			t.Errorf("if: %s (failed %v): %v, %v; want %v", c.expr, c.failed, got, err, c.want)
		}
	}
	if got, err := ctx.expand("${{ inputs.results }}-${{ matrix.versions }}x", statusFuncs{}); got != "out-x" || err != nil {
		t.Errorf("expand: %q, %v", got, err)
	}
	for _, bad := range []string{"${{ inputs.nosuch }}", "${{ github.sha }}", "${{ fromJSON(inputs.results) }}", "${{ inputs.results ~ 1 }}"} {
		if _, err := ctx.expand(bad, statusFuncs{}); err == nil {
			t.Errorf("expand %s: no error", bad)
		}
	}
}

// ---- The files, as far as the test reads them ----

type ghInput struct {
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	Default     string `yaml:"default"`
	Required    bool   `yaml:"required"`
}

type ghStep struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
	WorkingDirectory string            `yaml:"working-directory"`
}

// label names a step in messages.
func (s ghStep) label() string {
	for _, l := range []string{s.ID, s.Name, s.Uses} {
		if l != "" {
			return l
		}
	}
	return "a step"
}

type ghJob struct {
	Name           string            `yaml:"name"`
	Needs          stringList        `yaml:"needs"`
	If             string            `yaml:"if"`
	RunsOn         string            `yaml:"runs-on"`
	TimeoutMinutes string            `yaml:"timeout-minutes"`
	Env            map[string]string `yaml:"env"`
	Outputs        map[string]string `yaml:"outputs"`
	Strategy       struct {
		Matrix string `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []ghStep `yaml:"steps"`
}

type ghWorkflow struct {
	On struct {
		WorkflowCall struct {
			Inputs map[string]ghInput `yaml:"inputs"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
	Env      map[string]string `yaml:"env"`
	Defaults struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs map[string]*ghJob `yaml:"jobs"`
}

// ghAction is action.yml, decoded strictly (actionlint does not read it):
// a key the test does not know is an error.
type ghAction struct {
	Name        string             `yaml:"name"`
	Description string             `yaml:"description"`
	Author      string             `yaml:"author"`
	Branding    map[string]string  `yaml:"branding"`
	Inputs      map[string]ghInput `yaml:"inputs"`
	Outputs     map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string   `yaml:"using"`
		Steps []ghStep `yaml:"steps"`
	} `yaml:"runs"`
}

// stringList is a YAML string or list of strings (needs: a or [a, b]).
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = []string{n.Value}
		return nil
	}
	return n.Decode((*[]string)(l))
}

func loadWorkflow(t *testing.T) *ghWorkflow {
	t.Helper()
	var wf ghWorkflow
	decodeFile(t, workflowFile, &wf, false)
	if len(wf.On.WorkflowCall.Inputs) == 0 || len(wf.Jobs) == 0 {
		t.Fatalf("%s: no workflow_call inputs or no jobs", workflowFile)
	}
	return &wf
}

func loadAction(t *testing.T) *ghAction {
	t.Helper()
	var act ghAction
	decodeFile(t, actionFile, &act, true)
	if act.Runs.Using != "composite" {
		t.Fatalf("%s: runs.using %q, want composite", actionFile, act.Runs.Using)
	}
	return &act
}

func decodeFile(t *testing.T, file string, v any, strict bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(strict)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// stepByID returns the step of steps with that id; there must be one.
func stepByID(t *testing.T, where string, steps []ghStep, id string) ghStep {
	t.Helper()
	i := slices.IndexFunc(steps, func(s ghStep) bool { return s.ID == id })
	if i < 0 {
		t.Fatalf("%s has no step with id %q: the test runs it (and GitHub's expressions may name it)", where, id)
	}
	return steps[i]
}

// ---- Static checks ----

var pinned = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

// checkStatic checks what needs no run: the steps the test runs exist,
// third-party actions are pinned by commit, scripts take inputs through
// env (no ${{ }} in them: no script injection, and shellcheck reads them
// as they run), composite steps name their shell, and the install step is
// the same in every job of the workflow.
func checkStatic(t *testing.T, wf *ghWorkflow, act *ghAction) {
	t.Helper()
	for where, ids := range wantSteps {
		steps := act.Runs.Steps
		if where != "action" {
			jb := wf.Jobs[where]
			if jb == nil {
				t.Fatalf("%s has no job %q", workflowFile, where)
			}
			steps = jb.Steps
		}
		for _, id := range ids {
			stepByID(t, where, steps, id)
		}
	}
	install := stepByID(t, "plan", wf.Jobs["plan"].Steps, "install").Run
	for name, jb := range wf.Jobs {
		if s := stepByID(t, name, jb.Steps, "install"); s.Run != install {
			t.Errorf("job %s installs gomatrix otherwise than job plan:\n%s", name, s.Run)
		}
		checkSteps(t, "job "+name, jb.Steps, false)
	}
	checkSteps(t, actionFile, act.Runs.Steps, true)
}

func checkSteps(t *testing.T, where string, steps []ghStep, composite bool) {
	t.Helper()
	for _, s := range steps {
		switch {
		case (s.Uses == "") == (s.Run == ""):
			t.Errorf("%s: step %s: want either uses or run", where, s.label())
		case s.Uses != "" && !strings.HasPrefix(s.Uses, "./") && !pinned.MatchString(s.Uses):
			t.Errorf("%s: step %s: uses %s: pin it to a commit (owner/repo@<40 hex> # vX.Y.Z)", where, s.label(), s.Uses)
		case strings.Contains(s.Run, "${{"):
			t.Errorf("%s: step %s: an expression in the script; pass it through env", where, s.label())
		case composite && s.Run != "" && s.Shell != "bash":
			t.Errorf("%s: step %s: shell %q, want bash", where, s.label(), s.Shell)
		}
	}
}

// checkFlags runs 'gomatrix COMMAND -h' for every command the scripts
// run and fails for each flag they pass that the command lacks.
func checkFlags(t *testing.T, bin string, wf *ghWorkflow, act *ghAction) {
	t.Helper()
	scripts := map[string]string{}
	for name, jb := range wf.Jobs {
		for _, s := range jb.Steps {
			scripts["job "+name+" step "+s.label()] = s.Run
		}
	}
	for _, s := range act.Runs.Steps {
		scripts["action step "+s.label()] = s.Run
	}
	help := map[string]string{}
	for where, script := range scripts {
		for cmd, flags := range commandFlags(script) {
			if _, ok := help[cmd]; !ok {
				out, _ := exec.Command(bin, cmd, "-h").CombinedOutput()
				help[cmd] = string(out)
			}
			for _, f := range flags {
				if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(f) + `(\s|$)`).MatchString(help[cmd]) {
					t.Errorf("%s: gomatrix %s has no flag -%s:\n%s", where, cmd, f, help[cmd])
				}
			}
		}
	}
	for _, cmd := range []string{"plan", "run", "merge", "report"} {
		if _, ok := help[cmd]; !ok {
			t.Errorf("no script runs gomatrix %s: the flag check cannot have read the scripts", cmd)
		}
	}
}

var (
	// A gomatrix command line: the command word, then its arguments up
	// to a pipe, a redirection, a list operator or the end of the line.
	commandLine = regexp.MustCompile(`(?m)(?:^|[\s(])gomatrix[ \t]+([^|;&>\n]*)`)
	// An array assignment: opts=(-a b) or opts+=(-c "$d").
	arrayLiteral = regexp.MustCompile(`(\w+)\+?=\(([^)]*)\)`)
	arrayUse     = regexp.MustCompile(`\$\{(\w+)\[@\]\}`)
)

// commandFlags returns, for each gomatrix command a script runs, the
// flags it passes: those on its command line, and those in the literals
// of the arrays the line expands ("${opts[@]}").
func commandFlags(script string) map[string][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	arrays := map[string][]string{}
	for _, m := range arrayLiteral.FindAllStringSubmatch(script, -1) {
		arrays[m[1]] = append(arrays[m[1]], flagsIn(m[2])...)
	}
	out := map[string][]string{}
	for _, m := range commandLine.FindAllStringSubmatch(script, -1) {
		args := strings.Fields(m[1])
		cmd := "run" // gomatrix -f x: the default command
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			cmd, args = args[0], args[1:]
		}
		flags := flagsIn(strings.Join(args, " "))
		for _, u := range arrayUse.FindAllStringSubmatch(m[1], -1) {
			flags = append(flags, arrays[u[1]]...)
		}
		out[cmd] = append(out[cmd], flags...)
	}
	return out
}

var flagWord = regexp.MustCompile(`^-{1,2}([a-z][a-z0-9-]*)(=.*)?$`)

func flagsIn(s string) []string {
	var flags []string
	for _, w := range strings.Fields(s) {
		if m := flagWord.FindStringSubmatch(strings.Trim(w, `"'`)); m != nil {
			flags = append(flags, m[1])
		}
	}
	return flags
}

// shellcheck checks the action's scripts as actionlint checks a
// workflow's (actionlint does not read action.yml), when shellcheck is
// installed.
func shellcheck(t *testing.T, act *ghAction) {
	t.Helper()
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Log("no shellcheck: the action's scripts are not linted")
		return
	}
	for _, s := range act.Runs.Steps {
		if s.Run == "" {
			continue
		}
		// actionlint's options: shellcheck -e … as it runs it.
		cmd := exec.Command(sc, "--norc", "-x", "--shell", "bash", "-e", "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043", "-")
		cmd.Stdin = strings.NewReader(s.Run)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: step %s: shellcheck: %v\n%s", actionFile, s.label(), err, out)
		}
	}
}

// ---- The command and the single run the workflow must agree with ----

// gomatrixEnv is the environment of every command the test runs: the
// machine's Go only, nothing from the network, and no VCS stamping (it
// would run git in the repository).
func gomatrixEnv(extra ...string) []string {
	keep := []string{"PATH", "HOME", "USER", "TMPDIR", "LANG", "GOROOT", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV"}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false", "GOPROXY=off", "GOMATRIX_OFFLINE=1", "NO_COLOR=1")
	return append(env, extra...)
}

func buildGomatrix(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin", "gomatrix")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gomatrix")
	cmd.Dir = ".."
	cmd.Env = gomatrixEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/gomatrix: %v\n%s", err, out)
	}
	return bin
}

// singleRun runs the fixture's matrix with one plain 'gomatrix run' (its
// cells really run: -rerun) and returns its results.json.
func singleRun(t *testing.T, g *github, bin string) string {
	t.Helper()
	dir := g.checkout(t, "single")
	cmd := exec.Command(bin, "run", "-q", "-rerun", "-f", "matrix.yaml", "-o", "single")
	cmd.Dir = dir
	cmd.Env = gomatrixEnv("GOMATRIX_CACHE=" + filepath.Join(g.shared, "gomatrix"))
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gomatrix run: %v\n%s", err, out)
	}
	t.Logf("single run: %s", time.Since(start).Round(time.Millisecond))
	res := filepath.Join(dir, "single", "results.json")
	outcomes := map[string]bool{}
	for _, c := range readCells(t, res) {
		_, o, _ := strings.Cut(c, ": ")
		outcomes[o] = true
	}
	for _, o := range []string{results.Complete, "hang", "fail"} {
		if !outcomes[o] {
			t.Fatalf("the fixture's matrix gave no %s cell: %v", o, readCells(t, res))
		}
	}
	return res
}

// readCells lists the cells of a results.json with their outcomes, in order.
func readCells(t *testing.T, file string) []string {
	t.Helper()
	r, err := results.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for i := range r.Cells {
		cells = append(cells, r.Cells[i].ID()+": "+r.Cells[i].Outcome)
	}
	return cells
}

func sameCells(t *testing.T, what, got, want string) {
	t.Helper()
	if g, w := readCells(t, got), readCells(t, want); !slices.Equal(g, w) {
		t.Errorf("%s:\n\t%s\na single gomatrix run:\n\t%s", what, strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
}

// ---- Expressions ----

// exprContext holds what expressions may name, by path:
// "inputs.shards", "matrix.shard", "needs.plan.outputs.matrix",
// "steps.plan.outputs.cache-key", "runner.temp". A path it lacks is an
// error: the emulation knows every name the files may use, no more.
type exprContext map[string]string

var exprRE = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// expand replaces each ${{ … }} of s by its value.
func (c exprContext) expand(s string, status statusFuncs) (string, error) {
	var firstErr error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		v, err := c.eval(exprRE.FindStringSubmatch(m)[1], status)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", m, err)
		}
		return str(v)
	})
	return out, firstErr
}

// condition evaluates an if:, with or without ${{ }}, as GitHub does:
// without a status function, success() && is implied.
func (c exprContext) condition(s string, status statusFuncs) (bool, error) {
	s = strings.TrimSpace(s)
	if m := exprRE.FindStringSubmatch(s); m != nil && m[0] == s {
		s = m[1]
	}
	if strings.TrimSpace(s) == "" {
		return !status.failed, nil
	}
	v, err := c.eval(s, status)
	if err != nil {
		return false, fmt.Errorf("if: %s: %w", s, err)
	}
	if !regexp.MustCompile(`\b(always|success|failure|cancelled)\(`).MatchString(s) {
		return !status.failed && truthy(v), nil
	}
	return truthy(v), nil
}

// statusFuncs is what the status functions see: whether a step (or a
// needed job) failed.
type statusFuncs struct {
	failed bool
}

func (c exprContext) eval(expr string, status statusFuncs) (any, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, ctx: c, status: status}
	v, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return v, err
}

var tokenRE = regexp.MustCompile(`^\s*(?:('(?:[^']|'')*')|(&&|\|\||==|!=|[()!])|([A-Za-z_][A-Za-z0-9_.-]*)|([0-9]+))`)

func tokenize(s string) ([]string, error) {
	var toks []string
	for strings.TrimSpace(s) != "" {
		m := tokenRE.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("cannot read %q", s)
		}
		toks = append(toks, strings.TrimSpace(m[0]))
		s = s[len(m[0]):]
	}
	return toks, nil
}

// exprParser reads the part of GitHub's expression language the files
// use: || && == != ! ( ), 'strings', true/false, numbers, context paths
// and the status functions. Anything else is an error.
type exprParser struct {
	toks   []string
	pos    int
	ctx    exprContext
	status statusFuncs
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) next() string { t := p.peek(); p.pos++; return t }

func (p *exprParser) or() (any, error) {
	return p.binary(p.and, "||", func(a, b any) any {
		if truthy(a) {
			return a
		}
		return b
	})
}

func (p *exprParser) and() (any, error) {
	return p.binary(p.compare, "&&", func(a, b any) any {
		if !truthy(a) {
			return a
		}
		return b
	})
}

func (p *exprParser) binary(operand func() (any, error), op string, combine func(a, b any) any) (any, error) {
	v, err := operand()
	for err == nil && p.peek() == op {
		p.next()
		var w any
		if w, err = operand(); err == nil {
			v = combine(v, w)
		}
	}
	return v, err
}

func (p *exprParser) compare() (any, error) {
	a, err := p.unary()
	if err != nil || (p.peek() != "==" && p.peek() != "!=") {
		return a, err
	}
	op := p.next()
	b, err := p.unary()
	return strings.EqualFold(str(a), str(b)) == (op == "=="), err
}

func (p *exprParser) unary() (any, error) {
	if p.peek() == "!" {
		p.next()
		v, err := p.unary()
		return !truthy(v), err
	}
	return p.primary()
}

func (p *exprParser) primary() (any, error) {
	tok := p.next()
	switch {
	case tok == "(":
		v, err := p.or()
		if err == nil && p.next() != ")" {
			err = errors.New("missing )")
		}
		return v, err
	case strings.HasPrefix(tok, "'"):
		return strings.ReplaceAll(tok[1:len(tok)-1], "''", "'"), nil
	case tok == "true" || tok == "false":
		return tok == "true", nil
	case tok != "" && tok[0] >= '0' && tok[0] <= '9':
		return tok, nil
	case p.peek() == "(":
		return p.call(tok)
	}
	v, ok := p.ctx[tok]
	if !ok && p.unset(tok) {
		return "", nil
	}
	if !ok {
		return nil, fmt.Errorf("unknown name %q (the emulation knows %s)", tok, strings.Join(slices.Sorted(maps.Keys(p.ctx)), ", "))
	}
	return v, nil
}

var outputRef = regexp.MustCompile(`^(steps|needs)\.([\w-]+)\.outputs\.[\w-]+$`)

// unset says whether name is an output of a step or job that did not
// succeed: it may not have set it, and GitHub gives "". An output of one
// that succeeded must have been set.
func (p *exprParser) unset(name string) bool {
	m := outputRef.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	status, ok := p.ctx[m[1]+"."+m[2]+".outcome"]
	if m[1] == "needs" {
		status, ok = p.ctx["needs."+m[2]+".result"]
	}
	return ok && status != "success"
}

// call evaluates a status function: the only functions the files call.
func (p *exprParser) call(name string) (any, error) {
	p.next() // (
	if p.next() != ")" {
		return nil, fmt.Errorf("no emulation of %s with arguments", name)
	}
	switch name {
	case "always":
		return true, nil
	case "cancelled":
		return false, nil
	case "success":
		return !p.status.failed, nil
	case "failure":
		return p.status.failed, nil
	}
	return nil, fmt.Errorf("no emulation of %s()", name)
}

func truthy(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	return str(v) != ""
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// ---- The emulated GitHub ----

// github is one emulated workflow run: its artifacts, and the fresh
// machines its jobs get.
//
// Every job gets a workspace of its own (the checkout: a copy of the
// fixture) and a RUNNER_TEMP of its own, in which gomatrix (the gomatrix
// cache) links to one shared directory and the directories gomatrix is
// installed to hold the last job's binaries, as if the jobs restored them
// from a cache: only the first job compiles the standard library for the
// cells, and links gomatrix.
type github struct {
	t         *testing.T
	root      string
	checkoutD string // what actions/checkout gives a job
	repo      string // this repository: the action's path, and what a checkout-mode install builds
	artifacts string
	shared    string
	machines  int
}

func newGitHub(t *testing.T) *github {
	root := t.TempDir()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	g := &github{t: t, root: root, checkoutD: filepath.Join(root, "checkout"), repo: repo,
		artifacts: filepath.Join(root, "artifacts"), shared: filepath.Join(root, "shared")}
	if err := os.CopyFS(g.checkoutD, os.DirFS(fixtureDir)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{g.artifacts, filepath.Join(g.shared, "bin"), filepath.Join(g.shared, "gomatrix-bin"), filepath.Join(g.shared, "gomatrix")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// checkout returns a fresh copy of the checkout.
func (g *github) checkout(t *testing.T, name string) string {
	t.Helper()
	g.machines++
	dir := filepath.Join(g.root, fmt.Sprintf("%02d-%s", g.machines, name))
	if err := os.CopyFS(filepath.Join(dir, "workspace"), os.DirFS(g.checkoutD)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "workspace")
}

// addToCheckout commits file to the checkout as rel.
func (g *github) addToCheckout(t *testing.T, file, rel string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(g.checkoutD, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// artifact returns the path of file in the artifact name; it must exist.
func (g *github) artifact(t *testing.T, name, file string) string {
	t.Helper()
	p := filepath.Join(g.artifacts, name, file)
	if _, err := os.Stat(p); err != nil {
		t.Errorf("artifact %s: %v", name, err)
	}
	return p
}

// sharedBins are the directories of RUNNER_TEMP that the install steps
// build gomatrix into: a machine starts with the last job's, so that its
// go build finds the binary up to date.
var sharedBins = []string{"bin", "gomatrix-bin"}

// keepBins keeps m's binaries for the next machine.
func (m *machine) keepBins() {
	for _, d := range sharedBins {
		dst := filepath.Join(m.g.shared, d)
		if _, err := os.Stat(filepath.Join(m.temp, d)); err != nil {
			continue
		}
		os.RemoveAll(dst)
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(m.temp, d))); err != nil {
			m.g.t.Fatal(err)
		}
	}
}

// machine is one job on a fresh runner.
type machine struct {
	g          *github
	name       string
	ws, temp   string
	ctx        exprContext
	env        map[string]string // the workflow's and job's env, then GITHUB_ENV's
	path       []string          // GITHUB_PATH's, the newest first
	installDir string            // where the install step runs
	actionPath string
	failed     bool
	outcomes   map[string]string // step id → success, failure, skipped
	outputs    map[string]string // the job's or the action's outputs
	summary    strings.Builder
	log        strings.Builder
	steps      int
}

func (g *github) machine(name string, ctx exprContext) *machine {
	t := g.t
	t.Helper()
	ws := g.checkout(t, name)
	temp := filepath.Join(filepath.Dir(ws), "temp")
	if err := os.MkdirAll(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(g.shared, "gomatrix"), filepath.Join(temp, "gomatrix")); err != nil {
		t.Fatal(err)
	}
	for _, d := range sharedBins {
		if err := os.CopyFS(filepath.Join(temp, d), os.DirFS(filepath.Join(g.shared, d))); err != nil {
			t.Fatal(err)
		}
	}
	ctx = maps.Clone(ctx)
	ctx["runner.temp"], ctx["runner.os"], ctx["runner.arch"] = temp, runnerOS(), runnerArch()
	return &machine{g: g, name: name, ws: ws, temp: temp, ctx: ctx, env: map[string]string{},
		installDir: ws, outcomes: map[string]string{}, outputs: map[string]string{}}
}

func runnerOS() string {
	return map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
}

func runnerArch() string {
	return map[string]string{"amd64": "X64", "arm64": "ARM64", "386": "X86", "arm": "ARM"}[runtime.GOARCH]
}

func (m *machine) status() statusFuncs { return statusFuncs{failed: m.failed} }

// expand expands s; an expression the emulation cannot evaluate fails
// the test.
func (m *machine) expand(where, s string) string {
	m.g.t.Helper()
	v, err := m.ctx.expand(s, m.status())
	if err != nil {
		m.g.t.Fatalf("%s: %s: %v\n%s", m.name, where, err, m.log.String())
	}
	return v
}

func (m *machine) expandMap(where string, in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		out[k] = m.expand(where+"."+k, v)
	}
	return out
}

// steps runs steps as GitHub does: in order, each whose if: holds (by
// default: no step failed before it).
func (m *machine) runSteps(steps []ghStep, shell string) {
	t := m.g.t
	t.Helper()
	for _, s := range steps {
		ok, err := m.ctx.condition(s.If, m.status())
		if err != nil {
			t.Fatalf("%s: step %s: %v", m.name, s.label(), err)
		}
		outcome := "skipped"
		if ok {
			outcome = "success"
			if err := m.step(s, shell); err != nil {
				fmt.Fprintf(&m.log, "step %s failed: %v\n", s.label(), err)
				m.failed, outcome = true, "failure"
			}
		}
		if s.ID != "" {
			m.outcomes[s.ID] = outcome
			m.ctx["steps."+s.ID+".outcome"], m.ctx["steps."+s.ID+".conclusion"] = outcome, outcome
		}
	}
}

func (m *machine) step(s ghStep, shell string) error {
	if s.Uses != "" {
		return m.uses(s)
	}
	if s.Shell != "" {
		shell = s.Shell
	}
	if shell != "bash" {
		m.g.t.Fatalf("%s: step %s: shell %q: the emulation runs bash", m.name, s.label(), shell)
	}
	return m.script(s)
}

// script runs s's script as GitHub's shell: bash does, with the files
// of the workflow commands, and reads them afterwards.
func (m *machine) script(s ghStep) error {
	t := m.g.t
	t.Helper()
	m.steps++
	dir := filepath.Join(m.temp, "_runner_file_commands", strconv.Itoa(m.steps))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"} {
		files[f] = filepath.Join(dir, strings.ToLower(f))
		if err := os.WriteFile(files[f], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	scriptFile := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(scriptFile, []byte(s.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile)
	cmd.Dir = m.ws
	if s.ID == "install" {
		cmd.Dir = m.installDir
	}
	if s.WorkingDirectory != "" {
		cmd.Dir = filepath.Join(m.ws, m.expand("working-directory", s.WorkingDirectory))
	}
	cmd.Env = m.environ(m.expandMap("step "+s.label()+" env", s.Env), files)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	fmt.Fprintf(&m.log, "--- %s: step %s (%s)\n%s", m.name, s.label(), time.Since(start).Round(time.Millisecond), out)
	m.readFileCommands(s, files)
	return err
}

// readFileCommands applies what a script wrote to GITHUB_OUTPUT,
// GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY.
func (m *machine) readFileCommands(s ghStep, files map[string]string) {
	t := m.g.t
	t.Helper()
	read := func(f string) string {
		data, err := os.ReadFile(files[f])
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	outputs, err := parseFileCommand(read("GITHUB_OUTPUT"))
	if err != nil {
		t.Fatalf("%s: step %s: GITHUB_OUTPUT: %v", m.name, s.label(), err)
	}
	for k, v := range outputs {
		if s.ID == "" {
			t.Fatalf("%s: step %s sets output %s but has no id to read it by", m.name, s.label(), k)
		}
		m.ctx["steps."+s.ID+".outputs."+k] = v
	}
	env, err := parseFileCommand(read("GITHUB_ENV"))
	if err != nil {
		t.Fatalf("%s: step %s: GITHUB_ENV: %v", m.name, s.label(), err)
	}
	maps.Copy(m.env, env)
	for _, p := range strings.Split(strings.TrimSpace(read("GITHUB_PATH")), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			m.path = append([]string{p}, m.path...)
		}
	}
	m.summary.WriteString(read("GITHUB_STEP_SUMMARY"))
}

// parseFileCommand reads NAME=value lines and NAME<<DELIMITER blocks.
func parseFileCommand(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(name, "=") {
			end := slices.Index(lines[i+1:], delim)
			if end < 0 {
				return nil, fmt.Errorf("%s: no closing %s", name, delim)
			}
			out[name] = strings.Join(lines[i+1:i+1+end], "\n")
			i += end + 1
			continue
		}
		name, value, ok := strings.Cut(l, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %q: want NAME=value or NAME<<DELIMITER", l)
		}
		out[name] = value
	}
	return out, nil
}

// environ is a script's environment: the test's (gomatrixEnv), the
// job's, the step's, and what GitHub sets.
func (m *machine) environ(step, files map[string]string) []string {
	env := map[string]string{}
	for _, kv := range gomatrixEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	maps.Copy(env, m.env)
	maps.Copy(env, step)
	maps.Copy(env, files)
	maps.Copy(env, map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": m.ws,
		"RUNNER_TEMP": m.temp, "RUNNER_OS": m.ctx["runner.os"], "RUNNER_ARCH": m.ctx["runner.arch"],
	})
	if m.actionPath != "" {
		env["GITHUB_ACTION_PATH"] = m.actionPath
	}
	env["PATH"] = strings.Join(append(slices.Clone(m.path), env["PATH"]), string(os.PathListSeparator))
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// uses emulates the actions the files use; another is an error.
func (m *machine) uses(s ghStep) error {
	t := m.g.t
	t.Helper()
	with := m.expandMap("step "+s.label()+" with", s.With)
	action, _, _ := strings.Cut(s.Uses, "@")
	switch action {
	case "actions/checkout": // the workspace is a fresh copy of the checkout already
	case "actions/setup-go": // the machine's Go is on PATH
	case "actions/cache", "actions/cache/save": // the gomatrix cache is shared (see github)
	case "actions/cache/restore":
		m.ctx["steps."+s.ID+".outputs.cache-hit"] = "false"
	case "actions/upload-artifact":
		return m.upload(with)
	case "actions/download-artifact":
		return m.download(with)
	default:
		t.Fatalf("%s: step %s: no emulation of %s", m.name, s.label(), action)
	}
	fmt.Fprintf(&m.log, "--- %s: %s (emulated: nothing to do)\n", m.name, s.Uses)
	return nil
}

// upload copies a file or a directory's content into the artifact.
func (m *machine) upload(with map[string]string) error {
	t := m.g.t
	t.Helper()
	onlyKeys(t, "upload-artifact", with, "name", "path", "if-no-files-found", "retention-days", "overwrite")
	name, p := with["name"], strings.TrimSpace(with["path"])
	if name == "" || p == "" || strings.Contains(p, "\n") {
		t.Fatalf("%s: upload-artifact of %q as %q: the emulation takes one path and a name", m.name, p, name)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(m.ws, p)
	}
	st, err := os.Stat(p)
	if err != nil {
		if with["if-no-files-found"] == "error" {
			return fmt.Errorf("upload-artifact: no files at %s", p)
		}
		fmt.Fprintf(&m.log, "--- %s: upload-artifact: no files at %s (a warning)\n", m.name, p)
		return nil
	}
	dst := filepath.Join(m.g.artifacts, name)
	if _, err := os.Stat(dst); err == nil {
		if with["overwrite"] != "true" {
			return fmt.Errorf("upload-artifact: artifact %s exists", name)
		}
		os.RemoveAll(dst)
	}
	fmt.Fprintf(&m.log, "--- %s: upload-artifact %s: %s\n", m.name, name, p)
	if !st.IsDir() {
		return copyFile(p, filepath.Join(dst, filepath.Base(p)))
	}
	return os.CopyFS(dst, os.DirFS(p))
}

// download copies the artifacts named, or matching the pattern, each
// into a directory of its name under path.
func (m *machine) download(with map[string]string) error {
	t := m.g.t
	t.Helper()
	onlyKeys(t, "download-artifact", with, "name", "pattern", "path")
	dest := with["path"]
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(m.ws, dest)
	}
	entries, err := os.ReadDir(m.g.artifacts)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch matched, _ := path.Match(with["pattern"], e.Name()); {
		case with["name"] == e.Name():
			err = os.CopyFS(dest, os.DirFS(filepath.Join(m.g.artifacts, e.Name())))
		case with["name"] == "" && matched:
			err = os.CopyFS(filepath.Join(dest, e.Name()), os.DirFS(filepath.Join(m.g.artifacts, e.Name())))
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(&m.log, "--- %s: download-artifact %s%s to %s\n", m.name, with["name"], with["pattern"], dest)
	return nil
}

func onlyKeys(t *testing.T, action string, with map[string]string, keys ...string) {
	t.Helper()
	for k := range with {
		if !slices.Contains(keys, k) {
			t.Fatalf("%s: with %s: the emulation does not do it", action, k)
		}
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o755)
	}
	if err == nil {
		err = os.WriteFile(dst, data, 0o644)
	}
	return err
}

// ---- Running the workflow and the action ----

// workflowRun is what a run of the workflow left: its jobs (a job of a
// strategy matrix once per entry) and their results.
type workflowRun struct {
	jobs    map[string][]*machine
	results map[string]string // job → success, failure, skipped
}

func (r *workflowRun) want(t *testing.T, want map[string]string) {
	t.Helper()
	if maps.Equal(r.results, want) {
		return
	}
	for _, ms := range r.jobs {
		for _, m := range ms {
			if m.failed {
				t.Logf("job %s failed:\n%s", m.name, m.log.String())
			}
		}
	}
	t.Fatalf("the jobs' results: %v, want %v", r.results, want)
}

func (r *workflowRun) summaryHas(t *testing.T, job, s string) {
	t.Helper()
	if sum := r.jobs[job][0].summary.String(); !strings.Contains(sum, s) {
		t.Errorf("job %s's summary lacks %q:\n%s", job, s, sum)
	}
}

// inputs returns the inputs' values: those given, else their defaults;
// giving one that is not declared is an error.
func inputs(t *testing.T, declared map[string]ghInput, with map[string]string) exprContext {
	t.Helper()
	ctx := exprContext{}
	for name, in := range declared {
		ctx["inputs."+name] = in.Default
		if in.Required {
			ctx["inputs."+name] = ""
		}
	}
	for name, v := range with {
		if _, ok := declared[name]; !ok {
			t.Fatalf("input %s is not declared", name)
		}
		ctx["inputs."+name] = v
	}
	for name, in := range declared {
		if _, ok := with[name]; in.Required && !ok {
			t.Fatalf("input %s is required", name)
		}
	}
	return ctx
}

// workflow runs wf's jobs in the order of their needs.
func (g *github) workflow(wf *ghWorkflow, with map[string]string) *workflowRun {
	t := g.t
	t.Helper()
	ctx := inputs(t, wf.On.WorkflowCall.Inputs, with)
	run := &workflowRun{jobs: map[string][]*machine{}, results: map[string]string{}}
	for _, name := range jobOrder(t, wf.Jobs) {
		jb := wf.Jobs[name]
		jctx := maps.Clone(ctx)
		needsFailed := false
		for _, n := range jb.Needs {
			jctx["needs."+n+".result"] = run.results[n]
			needsFailed = needsFailed || run.results[n] != "success"
			if ms := run.jobs[n]; len(ms) > 0 {
				for k, v := range ms[len(ms)-1].outputs {
					jctx["needs."+n+".outputs."+k] = v
				}
			}
		}
		ok, err := jctx.condition(jb.If, statusFuncs{failed: needsFailed})
		if err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		if !ok {
			run.results[name] = "skipped"
			continue
		}
		run.results[name] = "success"
		for _, mctx := range strategy(t, name, jb, jctx) {
			m := g.runJob(wf, name, jb, mctx)
			run.jobs[name] = append(run.jobs[name], m)
			if m.failed {
				run.results[name] = "failure"
			}
		}
	}
	return run
}

// jobOrder orders jobs so that each comes after those it needs.
func jobOrder(t *testing.T, jobs map[string]*ghJob) []string {
	t.Helper()
	var order []string
	for len(order) < len(jobs) {
		n := len(order)
		for _, name := range slices.Sorted(maps.Keys(jobs)) {
			ready := !slices.Contains(order, name)
			for _, need := range jobs[name].Needs {
				ready = ready && slices.Contains(order, need)
			}
			if ready {
				order = append(order, name)
			}
		}
		if len(order) == n {
			t.Fatalf("the jobs' needs form a cycle or name no job: %v", order)
		}
	}
	return order
}

// strategy returns the context of each job its strategy matrix makes,
// or the job's own: a matrix must be ${{ fromJSON(<a needs output>) }},
// as gomatrix plan prints it.
func strategy(t *testing.T, name string, jb *ghJob, ctx exprContext) []exprContext {
	t.Helper()
	if jb.Strategy.Matrix == "" {
		return []exprContext{ctx}
	}
	m := regexp.MustCompile(`^\$\{\{\s*fromJSON\((needs\.[\w-]+\.outputs\.[\w-]+)\)\s*\}\}$`).FindStringSubmatch(jb.Strategy.Matrix)
	if m == nil {
		t.Fatalf("job %s: strategy.matrix %q: the emulation reads only ${{ fromJSON(needs.JOB.outputs.NAME) }}", name, jb.Strategy.Matrix)
	}
	var st struct {
		Include []map[string]any `json:"include"`
	}
	if err := json.Unmarshal([]byte(ctx[m[1]]), &st); err != nil || len(st.Include) == 0 {
		t.Fatalf("job %s: %s = %q: want {\"include\":[…]} (%v)", name, m[1], ctx[m[1]], err)
	}
	var out []exprContext
	for _, entry := range st.Include {
		c := maps.Clone(ctx)
		for k, v := range entry {
			c["matrix."+k] = str(v)
		}
		out = append(out, c)
	}
	return out
}

// runJob runs one job of wf on a fresh machine.
func (g *github) runJob(wf *ghWorkflow, name string, jb *ghJob, ctx exprContext) (m *machine) {
	t := g.t
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("job %s: failed %v, %s", m.name, m.failed, time.Since(start).Round(time.Millisecond)) }()
	m = g.machine(name, ctx)
	m.installDir = g.repo // gomatrix-version checkout: the checkout of gomatrix is this repository
	if title := m.expand("name", jb.Name); title != "" {
		m.name = name + " (" + title + ")"
	}
	if m.expand("runs-on", jb.RunsOn) == "" {
		t.Fatalf("job %s: runs-on is empty", m.name)
	}
	m.expand("timeout-minutes", jb.TimeoutMinutes)
	maps.Copy(m.env, m.expandMap("env", wf.Env))
	maps.Copy(m.env, m.expandMap("jobs."+name+".env", jb.Env))
	m.runSteps(jb.Steps, wf.Defaults.Run.Shell)
	m.outputs = m.expandMap("jobs."+name+".outputs", jb.Outputs)
	m.keepBins()
	return m
}

// action runs the composite action as a job's step: its steps on a
// fresh machine, with the action's directory this repository.
func (g *github) action(act *ghAction, with map[string]string) *machine {
	t := g.t
	t.Helper()
	start := time.Now()
	m := g.machine("action", inputs(t, act.Inputs, with))
	defer func() { t.Logf("action: failed %v, %s", m.failed, time.Since(start).Round(time.Millisecond)) }()
	m.actionPath = g.repo
	m.runSteps(act.Runs.Steps, "")
	m.keepBins()
	for k, o := range act.Outputs {
		m.outputs[k] = m.expand("outputs."+k, o.Value)
	}
	return m
}

// ---- The guide ----

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// The guide's examples call the workflow and the action with inputs they
// declare, and the caller workflow is as short as the guide says.
func TestGitHubActionsGuide(t *testing.T) {
	wf, act := loadWorkflow(t), loadAction(t)
	data, err := os.ReadFile(guideFile)
	if err != nil {
		t.Fatal(err)
	}
	guide := string(data)
	calls, uses := 0, 0
	for _, m := range yamlBlock.FindAllStringSubmatch(guide, -1) {
		first := calls == 0
		var doc any
		if err := yaml.Unmarshal([]byte(m[1]), &doc); err != nil {
			t.Errorf("%s: a YAML example does not parse: %v\n%s", guideFile, err, m[1])
			continue
		}
		for _, u := range usesOf(doc) {
			switch {
			case strings.HasPrefix(u.uses, "gomatrix/gomatrix/.github/workflows/gomatrix.yml@"):
				calls++
				checkWith(t, "the workflow", wf.On.WorkflowCall.Inputs, u.with)
			case strings.HasPrefix(u.uses, "gomatrix/gomatrix@"):
				uses++
				checkWith(t, "the action", act.Inputs, u.with)
			}
		}
		if first && calls > 0 {
			checkLineCount(t, guide, m[1])
		}
	}
	if calls == 0 || uses == 0 {
		t.Errorf("%s: %d examples call the workflow and %d use the action, want some of each", guideFile, calls, uses)
	}
}

// checkLineCount checks the first caller example is at most 20 lines, as
// many as the guide says ("N lines").
func checkLineCount(t *testing.T, guide, example string) {
	t.Helper()
	n := strings.Count(strings.TrimRight(example, "\n"), "\n") + 1
	m := regexp.MustCompile(`\*\*(\d+) lines\*\*`).FindStringSubmatch(guide)
	if n > 20 || m == nil || m[1] != strconv.Itoa(n) {
		t.Errorf("%s: the caller workflow is %d lines; the guide says %v (in **N lines**), and it should be at most 20", guideFile, n, m)
	}
}

type usesWith struct {
	uses string
	with map[string]any
}

// usesOf finds every mapping with a uses: key in doc, with its with:.
func usesOf(doc any) []usesWith {
	var out []usesWith
	switch v := doc.(type) {
	case map[string]any:
		if u, ok := v["uses"].(string); ok {
			w, _ := v["with"].(map[string]any)
			out = append(out, usesWith{u, w})
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, usesOf(v[k])...)
		}
	case []any:
		for _, e := range v {
			out = append(out, usesOf(e)...)
		}
	}
	return out
}

func checkWith(t *testing.T, what string, declared map[string]ghInput, with map[string]any) {
	t.Helper()
	for k := range with {
		if _, ok := declared[k]; !ok {
			t.Errorf("%s: an example gives %s input %q, which it does not declare", guideFile, what, k)
		}
	}
}
