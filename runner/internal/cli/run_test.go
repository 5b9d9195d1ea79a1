package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// testCache is the cache shared by the tests of this package: the first
// build with the machine's Go compiles std into it once.
var testCache string

func TestMain(m *testing.M) {
	dir := os.Getenv("GOMATRIX_CACHE")
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gomatrix-cli-test-")
		if err != nil {
			panic(err)
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	testCache = dir
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func testEnv(stdout, stderr *bytes.Buffer) *Env {
	return &Env{Stdout: stdout, Stderr: stderr, Getenv: func(k string) string {
		if k == "GOMATRIX_CACHE" {
			return testCache
		}
		return os.Getenv(k)
	}}
}

func runMain(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = testEnv(&out, &errb).Main(ctx, args)
	return code, out.String(), errb.String()
}

func byCase(t *testing.T, r *results.Results) map[string]results.Cell {
	t.Helper()
	m := map[string]results.Cell{}
	for _, c := range r.Cells {
		m[c.Case] = c
	}
	return m
}

// The runner builds and runs real cases with the machine's Go and
// classifies each honestly; afterwards no process of theirs remains.
func TestRunMisbehavingCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	out := t.TempDir()
	code, _, stderr := runMain(t, context.Background(), "-f", "testdata/matrix.yaml", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete {
		t.Error("results not marked complete")
	}
	cells := byCase(t, r)
	localGo := goVersion(t)
	want := map[string]string{
		"exit0": results.Complete, "marker": results.Complete, "hang": results.Hang, "crash": results.Fail,
		"buildfail": results.BuildError, "fork": results.Complete, "ignoreterm": results.Hang,
		"newergo": results.BuildError, "nomarker": results.Fail,
	}
	for name, outcome := range want {
		c, ok := cells[name]
		if !ok {
			t.Errorf("no cell for case %s", name)
			continue
		}
		if c.Outcome != outcome {
			t.Errorf("%s: outcome %s (%s), want %s", name, c.Outcome, c.Reason, outcome)
		}
		if c.Go != localGo {
			t.Errorf("%s: go %q, want the local toolchain's %q", name, c.Go, localGo)
		}
		if c.Reproduce == "" {
			t.Errorf("%s: no reproduce command", name)
		}
	}
	if c := cells["marker"]; c.CompleteMS == nil || *c.CompleteMS > 900 {
		t.Errorf("marker: complete_ms = %v", c.CompleteMS)
	}
	if c := cells["hang"]; !strings.Contains(c.GoroutineDump, "main.spin") {
		t.Errorf("hang: goroutine dump does not show main.spin:\n%s", c.GoroutineDump)
	}
	if c := cells["crash"]; !strings.Contains(c.FatalLine, "panic: boom") || c.ExitCode == nil || *c.ExitCode != 2 {
		t.Errorf("crash: fatal line %q, exit code %v", c.FatalLine, c.ExitCode)
	}
	if c := cells["buildfail"]; !strings.Contains(c.Reason, "undefined: undefinedFunction") || c.GoLine == "" {
		t.Errorf("buildfail: reason %q, go line %q", c.Reason, c.GoLine)
	}
	if c := cells["newergo"]; c.GoLine != "1.99" || !strings.Contains(c.Reason, "1.99") {
		t.Errorf("newergo: go line %q, reason %q", c.GoLine, c.Reason)
	}
	if c := cells["fork"]; c.Leftovers < 1 {
		t.Errorf("fork: leftovers = %d, want the sleeping grandchild counted", c.Leftovers)
	}
	if c := cells["exit0"]; c.GoLine != strings.Join(strings.Split(strings.TrimPrefix(c.Go, "go"), ".")[:2], ".") {
		t.Errorf("exit0: go line %q for %s", c.GoLine, c.Go)
	}
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil || !bytes.Contains(md, []byte("| exit0 |")) {
		t.Errorf("results.md: %v\n%s", err, md)
	}
	assertNoLeftovers(t)
}

// assertNoLeftovers fails if any process started from the test cache's
// builds, or the fork case's grandchild, is still alive.
func assertNoLeftovers(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	builds := filepath.Join(testCache, "builds")
	deadline := time.Now().Add(2 * time.Second)
	for {
		var alive []string
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			cmdline, _ := os.ReadFile(filepath.Join(p, "cmdline"))
			exe, _ := os.Readlink(filepath.Join(p, "exe"))
			if bytes.Contains(cmdline, []byte("97531")) || strings.HasPrefix(exe, builds) {
				if st, _ := os.ReadFile(filepath.Join(p, "stat")); bytes.Contains(st, []byte(") Z ")) {
					continue // a zombie waiting for its reaper is not running
				}
				alive = append(alive, p+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes outlived their cells:\n%s", strings.Join(alive, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the runner writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunMatrixErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(bad, []byte("versions: [local]\ngomaxprocs: [1, two]\ntimout: 1s\n"), 0o644)
	out := filepath.Join(dir, "out")
	code, _, stderr := runMain(t, context.Background(), "-f", bad, "-o", out)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{bad + ":2:17: gomaxprocs[1]: want a whole number", bad + ":3:1: timout: unknown key", `did you mean "timeout"?`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a bad matrix still wrote results")
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-only", "cases=x"}, `gomatrix run: invalid value "cases=x" for flag -only`},
		{[]string{"-p", "0"}, "gomatrix run: -p 0: want at least 1"},
		{[]string{"-q", "a.yaml", "extra-arg"}, `gomatrix run: unexpected argument "extra-arg"`},
		{[]string{"run", "-q", "a.yaml", "-p", "2", "extra-arg"}, `gomatrix run: unexpected argument "extra-arg"`},
		{[]string{"run", "-f", "a.yaml", "b.yaml"}, "gomatrix run: -f a.yaml and the argument b.yaml name different matrix files"},
		{[]string{"run", "testdata/nosuch.yaml"}, "gomatrix run: read matrix: open testdata/nosuch.yaml: "},
		{[]string{"-f", "testdata/matrix.yaml", "-fail-on", "hangs"}, `gomatrix run: invalid value "hangs" for flag -fail-on: unknown condition "hangs" (the conditions: refuted, unstable, contradicting, hang, fail, build-error, regression, none)`},
		{[]string{"-f", "testdata/matrix.yaml", "-fail-on", "regression"}, "gomatrix run: -fail-on regression: no -baseline to compare with"},
		{[]string{"nosuchcommand"}, `gomatrix: unknown command "nosuchcommand"`},
		{[]string{"-f", "testdata/matrix.yaml", "-only", "case=nosuch"}, "gomatrix run: no cell matches the -only filters"},
		{[]string{"-f", "testdata/matrix.yaml", "-from", "x.json"}, "gomatrix run: -from and -plan-id go with -shard"},
		{[]string{"-f", "testdata/matrix.yaml", "-shard", "3/2"}, "gomatrix run: -shard: "},
	} {
		code, _, stderr := runMain(t, context.Background(), tt.args...)
		if code != ExitUsage || !strings.HasPrefix(stderr, tt.want) || strings.Contains(stderr, "panic") {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and a line starting %q", tt.args, code, stderr, ExitUsage, tt.want)
		}
	}
}

// goVersion is the version of the go command on PATH: what "local"
// resolves to.
func goVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func TestList(t *testing.T) {
	code, stdout, stderr := runMain(t, context.Background(), "-f", "testdata/matrix.yaml", "-list", "-only", "case=exit0", "-only", "case=hang")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "exit0\tgo1.") || !strings.HasSuffix(lines[1], "\tP=2") {
		t.Errorf("list:\n%s", stdout)
	}
	// 2 cells of timeout 1s on 1 core: half a second each and the start
	// of a process, and the model's builds: std (12s of a core, the
	// local Go ships none compiled), then 0.4s per case.
	code, _, stderr = runMain(t, context.Background(), "-f", "testdata/matrix.yaml", "-list", "-p", "1", "-only", "case=exit0", "-only", "case=hang")
	// The figures of std builds are learned from the cache, so the sum
	// varies a little from machine to machine.
	want := regexp.MustCompile(`estimated ~1[2-5]\.\ds on 1 core: each run priced at half its timeout; builds at typical times \(the toolchains are here\)`)
	if code != ExitOK || !want.MatchString(stderr) {
		t.Errorf("exit %d, stderr lacks %s:\n%s", code, want, stderr)
	}
}

// -list prices the cells from the results beside the matrix, when there
// are some, and says so.
func TestListEstimateFromResults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	m := writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0", "crash"}, "gomaxprocs: [1, 2]\n")
	mustRun(t, ExitOK, "-q", m, "-only", "case=exit0")
	stderr := mustRun(t, ExitOK, "-list", m)
	want := "4 cells to run priced from " + filepath.Join(dir, "results", "results.json")
	if !strings.Contains(stderr, "estimated ~") || !strings.Contains(stderr, "2 of "+want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// The matrix is named by -f or by the argument, a file or its directory;
// the results go beside it.
func TestRunMatrixArgument(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	m := writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0"}, "gomaxprocs: [1]\n")
	other := writeCaseMatrix(t, dir, "other.yaml", []string{"exit0"}, "gomaxprocs: [1]\n")
	for _, args := range [][]string{{"run", "-q", m}, {"-q", dir}, {"run", m, "-q"}, {"run", "-q", "-f", m, m}} {
		os.RemoveAll(filepath.Join(dir, "results"))
		mustRun(t, ExitOK, args...)
		if r := readResults(t, filepath.Join(dir, "results")); len(r.Cells) != 1 || r.Matrix.File != "matrix.yaml" {
			t.Errorf("%q: %d cells of %q", args, len(r.Cells), r.Matrix.File)
		}
	}
	// Another matrix beside it has its own results: refused, not replaced.
	if stderr := mustRun(t, ExitUsage, "-q", other); !strings.Contains(stderr, "holds the results of matrix") {
		t.Errorf("other matrix:\n%s", stderr)
	}
	for _, tt := range []struct {
		arg  string
		want bool
	}{{m, true}, {dir, true}, {"x.yaml", true}, {"y.yml", true}, {"nosuchcommand", false}} {
		if got := isMatrixArg(tt.arg); got != tt.want {
			t.Errorf("isMatrixArg(%q) = %v", tt.arg, got)
		}
	}
}

// -fail-on: the results are written, each condition met is a line, and
// the exit status is 1; refuted claims by default.
func TestRunFailOn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	m := writeCaseMatrix(t, dir, "matrix.yaml", []string{"exit0", "crash", "buildfail"}, "gomaxprocs: [1]\n"+
		"claims:\n  - id: C1\n    claim: crash completes\n    cells: {case: crash}\n    expect: complete\n")
	results := filepath.Join(dir, "results", "results.json")
	for _, tt := range []struct {
		flags []string
		code  int
		lines []string
	}{
		{nil, ExitFailure, []string{"fail-on refuted: 1 claim: C1 refuted"}},
		{[]string{"-fail-on", "none"}, ExitOK, nil},
		{[]string{"-fail-on", "hang"}, ExitOK, nil},
		{[]string{"-fail-on", "fail,build-error,contradicting"}, ExitFailure, []string{"fail-on contradicting: 1 cell: crash go1.", "fail-on fail: 1 cell: crash go1.", "fail-on build-error: 1 cell: buildfail go1."}},
	} {
		os.Remove(results)
		stderr := mustRun(t, tt.code, append([]string{"-q", m}, tt.flags...)...)
		if _, err := os.Stat(results); err != nil {
			t.Errorf("%q: results not written: %v", tt.flags, err)
		}
		var got []string
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "fail-on ") {
				got = append(got, l)
			}
		}
		if len(got) != len(tt.lines) {
			t.Errorf("%q: reasons %q, want %q", tt.flags, got, tt.lines)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.lines[i]) {
				t.Errorf("%q: reason %q, want %q…", tt.flags, got[i], tt.lines[i])
			}
		}
		if tt.code == ExitFailure && !strings.Contains(stderr, "gomatrix run: the results meet") {
			t.Errorf("%q: no error line:\n%s", tt.flags, stderr)
		}
	}
}

// Help asked for goes to stdout, exit status 0; misuse gets the error
// and the usage line on stderr, exit status 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"help", "run"}, {"run", "-h"}, {"help", "report"}, {"help", "-h"}, {"help", "help"}, {"report", "-h"},
		{"plan", "-h"}, {"merge", "-h"}, {"versions", "-h"}, {"toolchains", "-h"}, {"toolchains", "list", "-h"}, {"diff", "-help"}, {"bisect", "--help"}} {
		code, stdout, stderr := runMain(t, context.Background(), args...)
		if code != ExitOK || stderr != "" || !strings.Contains(strings.ToLower(stdout), "usage") {
			t.Errorf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"-nosuchflag"}, {"run", "-nosuchflag"}, {"report", "-x"}, {"toolchains"}, {"plan", "-shards"}} {
		code, stdout, stderr := runMain(t, context.Background(), args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "usage: gomatrix") || !strings.HasPrefix(stderr, "gomatrix ") {
			t.Errorf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
		}
	}
}

// Ctrl-C mid-run: every process is stopped, the finished cells are
// written and the results are marked incomplete.
func TestRunInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "matrix.yaml")
	abs, _ := filepath.Abs("testdata/cases")
	os.WriteFile(m, []byte("versions: [local]\ngomaxprocs: [1, 2, 3, 4, 5, 6]\ncases: ["+abs+"/exit0, "+abs+"/hang]\ntimeout: 3s\n"), 0o644)
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	e := &Env{Stdout: &bytes.Buffer{}, Stderr: stderr, Getenv: testEnv(nil, nil).Getenv}
	done := make(chan int)
	go func() { done <- e.Main(ctx, []string{"-f", m, "-o", out, "-rerun"}) }()
	// Cancel once some cells have finished and hang cells are running.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(stderr.String(), "/12] ") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	code := <-done
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, stderr.String())
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Complete {
		t.Error("interrupted results marked complete")
	}
	finished := strings.Count(stderr.String(), "/12] ")
	if len(r.Cells) != finished || finished == 0 || finished >= 12 {
		t.Errorf("%d cells written, %d reported finished (of 12)\n%s", len(r.Cells), finished, stderr.String())
	}
	for _, c := range r.Cells {
		if c.Outcome == "" {
			t.Errorf("unfinished cell written: %+v", c)
		}
	}
	assertNoLeftovers(t)

	// The next run resumes: the finished cells come from the result cache.
	code, _, errOut := runMain(t, context.Background(), "-f", m, "-o", out)
	if code != ExitOK {
		t.Fatalf("resumed run: exit %d\n%s", code, errOut)
	}
	r2, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Complete || len(r2.Cells) != 12 || r2.Stats.Cached != len(r.Cells) {
		t.Errorf("resumed run: complete %v, %d cells, %d cached, want 12 cells, %d cached", r2.Complete, len(r2.Cells), r2.Stats.Cached, len(r.Cells))
	}
}

// timeFields are the lines of results.json that hold times, or the work
// a run did (stats), and the times claims quote: they differ between two
// runs of the same inputs. A time that is 0 is left out of results.json,
// so its whole line goes.
var timeFields = regexp.MustCompile(`(?m)^\s*"(started|finished|[a-z_]+_ms)": .*\n|"stats": \{[^}]*\}| in [0-9.]+ (ms|s)\b`)

// Two runs of the same inputs write the same results.json, byte for
// byte, but for the times.
func TestResultsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	matrixFile := writeShardMatrix(t)
	var runs [2][]byte
	for i := range runs {
		out := t.TempDir()
		code, _, stderr := runMain(t, context.Background(), "-f", matrixFile, "-o", out, "-rerun", "-fail-on", "none",
			"-only", "gomaxprocs=1", "-only", "case=exit0", "-only", "case=crash", "-only", "case=buildfail", "-only", "case=nomarker")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = timeFields.ReplaceAll(data, nil)
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Errorf("two runs of the same inputs differ:\n%s", lineDiff(string(runs[0]), string(runs[1])))
	}
	if !bytes.Contains(runs[0], []byte(`"filter": [`)) || !bytes.Contains(runs[0], []byte(`"outcome": "build-error"`)) {
		t.Errorf("results lack the filter or the build error:\n%s", runs[0])
	}
}

// lineDiff lists the lines where a and b differ.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("%d:\n-%s\n+%s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// Help and hints name the command as the user invoked it.
func TestProgName(t *testing.T) {
	for _, tt := range []struct{ arg0, want string }{
		{"/home/u/go/bin/gomatrix", "gomatrix"},
		{"gomatrix", "gomatrix"},
		{"/tmp/go-build123/b001/exe/runner", "go run ./runner"},
		{"./runner", "runner"},
		{`C:\Users\u\go\bin\gomatrix.exe`, "gomatrix"},
	} {
		if got := progName(tt.arg0); got != tt.want {
			t.Errorf("progName(%q) = %q, want %q", tt.arg0, got, tt.want)
		}
	}
	var out, errb strings.Builder
	e := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Prog: "go run ./runner"}
	if code := e.Main(context.Background(), []string{"plan", "-shards"}); code != ExitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(errb.String(), "go run ./runner plan: ") || !strings.Contains(errb.String(), "hint: 'go run ./runner help plan'") {
		t.Errorf("stderr:\n%s", errb.String())
	}
}
