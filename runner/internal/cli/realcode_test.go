package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/compat"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"

	"golang.org/x/mod/module"
)

// countingProxy forwards to the real module proxy and counts the module
// zips it serves, by path.
type countingProxy struct {
	mu   sync.Mutex
	zips map[string]int
}

func (p *countingProxy) start(t *testing.T) string {
	t.Helper()
	p.zips = map[string]int{}
	target, _ := url.Parse("https://proxy.golang.org")
	rp := httputil.NewSingleHostReverseProxy(target)
	base := rp.Director
	rp.Director = func(r *http.Request) { base(r); r.Host = target.Host }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".zip") {
			p.mu.Lock()
			p.zips[r.URL.Path]++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// oldGOROOTs fetches toolchains into the shared test cache and returns
// their GOROOTs, so a run with a cache of its own can name them as paths.
func oldGOROOTs(t *testing.T, versions ...string) []string {
	t.Helper()
	m, err := pipeline.Env{Getenv: testEnv(nil, nil).Getenv}.NewManager()
	if err != nil {
		t.Fatal(err)
	}
	tcs, err := m.Resolve(context.Background(), versions)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tc := range m.Ensure(context.Background(), tcs) {
		if tc.Error != "" {
			t.Fatalf("%s: %s", tc.Version, tc.Error)
		}
		out = append(out, tc.GOROOT)
	}
	return out
}

// runRealCode runs the matrix at m with a cache and GOPROXY of its own.
func runRealCode(t *testing.T, cache, proxy, m, out string, args ...string) *results.Results {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "GOMATRIX_CACHE":
			return cache
		case "GOPROXY":
			return proxy
		}
		return os.Getenv(k)
	}}
	code := e.Main(context.Background(), append([]string{"run", "-f", m, "-o", out, "-q"}, args...))
	r, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("exit %d, %v\n%s", code, err, stderr.String())
	}
	return r
}

// TestIntegrationRealCode builds cases with real dependencies from the
// module proxy with two old toolchains and the local one: each module is
// downloaded once, every build then reads the module cache offline, and
// -offline with a cold cache names the modules it lacks.
func TestIntegrationRealCode(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to fetch go1.13.15, go1.14.15 and golang.org/x/sync through the module proxy")
	}
	roots := oldGOROOTs(t, "go1.13.15", "go1.14.15")
	cases, _ := filepath.Abs(filepath.Join("..", "..", "..", "examples", "realcode", "cases"))
	dir := t.TempDir()
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("versions: ["+roots[0]+", "+roots[1]+", local]\ncases: ["+cases+"/errgroup, "+cases+"/vendored, "+cases+"/xsync]\ntimeout: 10s\n"), 0o644)
	var p countingProxy
	proxy := p.start(t)
	cache := filepath.Join(dir, "cache")
	t.Cleanup(func() { makeWritable(cache) })

	first := runRealCode(t, cache, proxy, m, filepath.Join(dir, "out1"))
	checkRealCode(t, first)
	for path, n := range p.zips {
		if n != 1 {
			t.Errorf("%s downloaded %d times, want once", path, n)
		}
	}
	if p.zips["/golang.org/x/sync/@v/v0.1.0.zip"] != 1 || p.zips["/golang.org/x/sync/@v/v0.10.0.zip"] != 1 {
		t.Errorf("zips served: %v", p.zips)
	}
	t.Logf("module zips served: %v", p.zips)
	checkWritable(t, filepath.Join(cache, "gopath", "pkg", "mod", "golang.org", "x"))
	before := len(p.zips)
	second := runRealCode(t, cache, proxy, m, filepath.Join(dir, "out2"), "-offline", "-rerun")
	checkRealCode(t, second)
	if len(p.zips) != before {
		t.Errorf("-offline reached the proxy: %v", p.zips)
	}

	os.WriteFile(m, []byte("cases: ["+cases+"/errgroup]\n"), 0o644)
	cold := runRealCode(t, filepath.Join(dir, "cold"), proxy, m, filepath.Join(dir, "out3"), "-offline")
	if c := cold.Cells[0]; c.Outcome != results.BuildError || !strings.Contains(c.Reason, "golang.org/x/sync@v0.1.0") {
		t.Errorf("offline with a cold module cache: %s: %s", c.Outcome, c.Reason)
	}
}

// checkRealCode checks the outcomes of the real-code matrix: x/sync v0.1.0
// builds everywhere, vendored or not; v0.10.0 needs go1.17's //go:build.
func checkRealCode(t *testing.T, r *results.Results) {
	t.Helper()
	for _, c := range r.Cells {
		want := results.Complete
		if c.Case == "xsync" && c.Go < "go1.17" {
			want = results.BuildError
		}
		if c.Outcome != want {
			t.Errorf("%s: %s (%s), want %s\n%s", c.ID(), c.Outcome, c.Reason, want, c.BuildOutput)
		}
		if c.Outcome == results.BuildError && strings.HasPrefix(c.Reason, "go: downloading") {
			t.Errorf("%s: reason is a progress line: %s", c.ID(), c.Reason)
		}
	}
	if len(r.Cells) != 9 {
		t.Errorf("%d cells, want 9", len(r.Cells))
	}
}

// makeWritable lets a module cache be removed: go1.13 writes it read-only.
func makeWritable(dir string) {
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, info.Mode()|0o200)
		}
		return nil
	})
}

// The go line, not the toolchain, decides loop-variable semantics and
// what recover sees after panic(nil): one toolchain, the go_line axis.
func TestGoLineChangesBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real programs")
	}
	cases, _ := filepath.Abs(filepath.Join("..", "..", "..", "examples", "realcode", "cases"))
	dir := t.TempDir()
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("cases: ["+cases+"/loopvar, "+cases+"/panicnil]\ntimeout: 10s\n"), 0o644)
	code, _, stderr := runMain(t, context.Background(), "-f", m, "-o", filepath.Join(dir, "out"), "-q")
	r, err := results.Read(filepath.Join(dir, "out", "results.json"))
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	want := map[string]string{
		"loopvar L=1.21":             results.Fail,
		"loopvar L=1.22":             results.Complete,
		"panicnil L=1.20":            results.Fail,
		"panicnil L=1.21":            results.Complete,
		"panicnil panicnil=1 L=1.21": results.Fail,
	}
	for _, c := range r.Cells {
		key := strings.Join(strings.Fields(c.Case+" "+c.GODEBUG+" L="+c.GoLineAxis), " ")
		if w, ok := want[key]; ok {
			if c.Outcome != w || c.GoLine != c.GoLineAxis {
				t.Errorf("%s: %s built with go line %s, want %s", c.ID(), c.Outcome, c.GoLine, w)
			}
			delete(want, key)
		}
	}
	for key := range want {
		t.Errorf("no cell %s", key)
	}
}

// checkWritable checks that the module cache below dir can be removed by
// its owner: go1.13 extracts modules read-only, the runner makes them
// writable as -modcacherw does from go1.14.
func checkWritable(t *testing.T, dir string) {
	t.Helper()
	n := 0
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().Perm()&0o200 == 0 {
			t.Errorf("%s is read-only (%v)", p, info.Mode())
			return filepath.SkipAll
		}
		n++
		return nil
	})
	if n < 10 {
		t.Errorf("only %d files under %s", n, dir)
	}
}

// testCaseOutcomes runs the tiny test packages of testdata/tests with the
// toolchains versions and returns each cell's outcome and reason by
// "case P=n go".
func testCaseOutcomes(t *testing.T, versions string) map[string]results.Cell {
	t.Helper()
	cases, _ := filepath.Abs(filepath.Join("testdata", "tests"))
	dir := t.TempDir()
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("versions: "+versions+"\ngomaxprocs: [1, 2]\ncases: ["+cases+"/*]\ntimeout: 2s\n"), 0o644)
	code, _, stderr := runMain(t, context.Background(), "-f", m, "-o", filepath.Join(dir, "out"), "-q")
	r, err := results.Read(filepath.Join(dir, "out", "results.json"))
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	got := map[string]results.Cell{}
	for _, c := range r.Cells {
		got[fmt.Sprintf("%s P=%d %s", c.Case, c.GOMAXPROCS, c.Go)] = c
	}
	return got
}

// checkOutcomes checks cells against want: "key": "outcome: reason part".
func checkOutcomes(t *testing.T, got map[string]results.Cell, want map[string]string) {
	t.Helper()
	for key, w := range want {
		c, ok := got[key]
		outcome, reason, _ := strings.Cut(w, ": ")
		if !ok || c.Outcome != outcome || !strings.Contains(c.Reason, reason) {
			t.Errorf("%s: %s %q, want %s %q", key, c.Outcome, c.Reason, outcome, reason)
		}
	}
}

// Test cases: a package's tests, each test's outcome recorded, and the
// cell's outcome following from them.
func TestTestCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real test binaries")
	}
	local := strings.TrimSpace(runtimeVersion(t))
	got := testCaseOutcomes(t, "[local]")
	checkOutcomes(t, got, map[string]string{
		"pass P=1 " + local:     "complete: ",
		"onefail P=1 " + local:  "fail: 1 test failed: TestProcs",
		"onefail P=2 " + local:  "complete: ",
		"hang P=1 " + local:     "hang: timeout while running TestHangs/forever",
		"notests P=1 " + local:  "skip: no tests to run",
		"exit0 P=1 " + local:    "fail: 1 test failed: TestExits",
		"generics P=1 " + local: "complete: ",
	})
	c := got["pass P=1 "+local]
	var names []string
	for _, tst := range c.Tests {
		names = append(names, tst.Name+"="+tst.Outcome)
	}
	if strings.Join(names, " ") != "TestA=pass TestB=pass TestB/sub=pass TestSkip=skip" {
		t.Errorf("pass: tests %v", names)
	}
}

// On go1.13, os.Exit(0) in a test exits the binary with status 0 (no
// -test.paniconexit0 before go1.16) and generics do not parse.
func TestIntegrationTestCases(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to run test cases with go1.13.15")
	}
	got := testCaseOutcomes(t, `["1.13.15"]`)
	checkOutcomes(t, got, map[string]string{
		"exit0 P=1 go1.13.15":    "fail: TestExits did not end: the test binary exited in it (exit status 0)",
		"generics P=1 go1.13.15": "build-error: expected '(', found '['",
		"pass P=1 go1.13.15":     "complete: ",
		"hang P=2 go1.13.15":     "hang: TestHangs/forever",
	})
}

func runtimeVersion(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Skip(err)
	}
	return string(out)
}

// gomatrix compat writes a matrix for a module version's tests and checks
// its arguments; the run itself is TestIntegrationCompat's.
func TestCompatArgs(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"", "want one MODULE@VERSION, found 0 arguments"},
		{"github.com/google/go-cmp", "invalid version: not a semantic version"},
		{"github.com/google/go-cmp@latest", "invalid"},
		{"-gomaxprocs x github.com/google/go-cmp@v0.7.0", `-gomaxprocs "x"`},
	} {
		dir := t.TempDir()
		args := append([]string{"-o", dir}, strings.Fields(tt.args)...)
		code, _, stderr := runCmd(t, "compat", args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("compat %s: exit %d\n%s\nwant %q", tt.args, code, stderr, tt.want)
		}
	}
	f := &compatFlags{versions: []string{">=1.21"}, gomaxprocs: "1,2", packages: "./cmp/...", out: t.TempDir(), mod: module.Version{Path: "gopkg.in/yaml.v3", Version: "v3.0.1"}}
	file, err := f.write()
	if err != nil {
		t.Fatal(err)
	}
	m, err := matrix.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := m.LoadCases()
	if err != nil || len(cases) != 1 || cases[0].Name != "yaml" || cases[0].Module.String() != "gopkg.in/yaml.v3@v3.0.1" || cases[0].Packages != "./cmp/..." || cases[0].Kind != matrix.KindTest {
		t.Fatalf("cases %+v, %v", cases, err)
	}
	if strings.Join(m.Versions, " ") != ">=1.21" || len(m.GOMAXPROCS) != 2 {
		t.Errorf("matrix %+v", m)
	}
}

// The compat command on a real module version, through the proxy: the
// two versions leave go1.18–go1.25 untried between the failing go1.17.13
// and the passing local toolchain, so compat bisects them and finds the
// observed minimum the full matrix of examples/compat finds, go1.18.10.
func TestIntegrationCompat(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to test github.com/google/uuid@v1.6.0 from the module proxy")
	}
	dir := t.TempDir()
	code, _, stderr := runMain(t, context.Background(), "compat", "-versions", "1.17.13", "-versions", "local", "-gomaxprocs", "1", "-o", dir, "github.com/google/uuid@v1.6.0")
	r, err := results.Read(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	if len(r.Minimums) != 1 || r.Minimums[0].Verdict != compat.TooLow+" (no go line: the go command assumes go 1.16)" || !strings.Contains(r.Minimums[0].FirstFailure, "testing.F") {
		t.Errorf("minimums %+v\n%s", r.Minimums, stderr)
	}
	if m := r.Minimums[0]; m.Observed != "go1.18.10" || m.Failing != "go1.17.13" || len(m.Untried) != 0 || len(r.Probes) < 2 {
		t.Errorf("bisected minimum %+v, probes %+v\n%s", m, r.Probes, stderr)
	}
}

// test: {race: true} builds with the race detector: a racy test fails,
// naming the test; without a C compiler the build error says why.
func TestIntegrationRace(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to build std with the race detector (~35 s)")
	}
	cases, _ := filepath.Abs(filepath.Join("testdata", "race"))
	dir := t.TempDir()
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte("cases: ["+cases+"/*]\ntimeout: 30s\ninclude:\n  - {case: racy, gomaxprocs: 1, env: {CC: nosuch-cc}}\n"), 0o644)
	code, _, stderr := runMain(t, context.Background(), "-f", m, "-o", filepath.Join(dir, "out"), "-q")
	r, err := results.Read(filepath.Join(dir, "out", "results.json"))
	if err != nil || len(r.Cells) != 2 {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	for _, c := range r.Cells {
		want, reason := results.Fail, "1 test failed: TestRace"
		if c.GOMAXPROCS == 1 {
			want, reason = results.BuildError, "needs cgo and a C compiler"
		}
		if c.Outcome != want || !strings.Contains(c.Reason, reason) {
			t.Errorf("%s: %s %q, want %s %q", c.ID(), c.Outcome, c.Reason, want, reason)
		}
	}
}
