package progress

import (
	"bytes"
	"fmt"
	"github.com/gomatrix/gomatrix/runner/internal/golden"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// fakeClock starts at a fixed instant and moves a second per reading, so
// timings in golden files are the same on every machine.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// fixture is the report package's hand-made results.
func fixture(t *testing.T) *results.Results {
	t.Helper()
	r, err := results.Read(filepath.Join("..", "report", "testdata", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// replay calls rep as a run of r's cells would, in the pipeline's order:
// skipped cells first, while a toolchain downloads, then build by build,
// each build's cells; a toolchain manager's progress lines go through
// rep.Writer().
func replay(t *testing.T, rep Reporter, r *results.Results) {
	t.Helper()
	cases := map[string]*matrix.Case{}
	for _, c := range r.Matrix.Cases {
		cases[c.Name] = &matrix.Case{Name: c.Name, Dir: "/m/" + c.Dir, Rel: c.Dir}
	}
	cells := make([]*matrix.Cell, len(r.Cells))
	for i, c := range r.Cells {
		mc := &matrix.Cell{Case: cases[c.Case], Toolchain: toolchain.Toolchain{Selector: c.Selector, Version: c.Go},
			GOMAXPROCS: c.GOMAXPROCS, GODEBUG: c.GODEBUG, GOEXPERIMENT: c.GOEXPERIMENT, GoLine: c.GoLineAxis, Repeat: max(c.Runs, 1)}
		if c.Outcome == results.Skip {
			mc.Skip = c.Reason
		}
		cells[i] = mc
	}

	// The fetch overlaps the run: it ends after the run started.
	fetch := []toolchain.Toolchain{{Selector: "1.13", Version: "go1.13.15"}}
	rep.FetchStarted(fetch)
	rep.RunStarted(cells)
	for i, c := range cells {
		if c.Skip != "" {
			rep.CellDone(c, &r.Cells[i])
		}
	}
	w := rep.Writer()
	io.WriteString(w, "fetch go1.13.15: downloading 100.0 MB from proxy.golang.org\n")
	io.WriteString(w, "\x1b[1A\x1b[J") // a progress bar's redraw: erase, then draw
	io.WriteString(w, "go1.13.15  download [====>   ]  50%\n")
	io.WriteString(w, "fetch go1.13.15: done from proxy.golang.org, 100.0 MB in 3.0 s\n")
	rep.ToolchainFetched(toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15", GOROOT: "/cache/toolchains/go1.13.15", Source: "proxy"})
	type group struct {
		req   build.Request
		cells []int
	}
	var groups []*group
	byKey := map[string]*group{}
	for i, c := range cells {
		if c.Skip != "" {
			continue
		}
		k := c.Case.Name + " " + c.Toolchain.Version + " " + c.GOEXPERIMENT + " " + c.GoLine
		g := byKey[k]
		if g == nil {
			g = &group{req: build.Request{Case: c.Case, Toolchain: c.Toolchain, GOEXPERIMENT: c.GOEXPERIMENT, GoLine: c.GoLine}}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.cells = append(g.cells, i)
	}
	for _, g := range groups {
		res := build.Result{Duration: 1500 * time.Millisecond, GoLine: "1.26"}
		first := &r.Cells[g.cells[0]]
		if first.GoLineAxis != "" && first.GoLine != "" {
			res.GoLine = first.GoLine // the go line the axis asked for
		}
		if first.Outcome == results.BuildError {
			res.Error, res.Output = first.Reason, first.BuildOutput
		}
		rep.BuildDone(g.req, res)
		for _, i := range g.cells {
			if r.Cells[i].Outcome != results.BuildError {
				rep.CellStarted(cells[i])
			}
			rep.CellDone(cells[i], &r.Cells[i])
		}
	}
	rep.Finish(r)
}

// visible shows a terminal's control sequences in a golden file.
func visible(b []byte) []byte {
	return []byte(strings.NewReplacer("\x1b", `\e`, "\r", `\r`).Replace(string(b)))
}

func TestReporters(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		env  map[string]string
	}{
		{name: "plain", o: Options{}},
		{name: "quiet", o: Options{Quiet: true}},
		{name: "tty", o: Options{IsTTY: true}},
		{name: "tty-quiet", o: Options{IsTTY: true, Quiet: true}},
		{name: "tty-nocolor", o: Options{IsTTY: true}, env: map[string]string{"NO_COLOR": "1"}},
		{name: "github", o: Options{FullReport: "results/index.html and results/results.json"}, env: map[string]string{"GITHUB_ACTIONS": "true"}},
		{name: "json", o: Options{JSON: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, stdout, stderr, env := testOptions(t, tt.o, tt.env)
			summary := env["GITHUB_STEP_SUMMARY"]
			if summary != "" {
				os.WriteFile(summary, []byte("# an earlier step's summary\n"), 0o644)
			}
			replay(t, New(o), fixture(t))
			golden.Check(t, "testdata/"+tt.name+".stderr", visible(stderr.Bytes()))
			if o.JSON {
				golden.Check(t, "testdata/"+tt.name+".stdout", stdout.Bytes())
			} else if stdout.Len() > 0 {
				t.Errorf("stdout without --json:\n%s", stdout.String())
			}
			if env["GITHUB_STEP_SUMMARY"] != "" {
				data, err := os.ReadFile(summary)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, "testdata/"+tt.name+".summary.md", data)
			}
		})
	}
}

// With a go_line axis, builds and cells name their go line: cells
// differing only by it, and the builds of each, can be told apart.
func TestReportersGoLine(t *testing.T) {
	for _, name := range []string{"plain", "json"} {
		t.Run(name, func(t *testing.T) {
			o, stdout, stderr, _ := testOptions(t, Options{JSON: name == "json"}, nil)
			replay(t, New(o), reporttest.GoLine())
			if o.JSON { // stderr has plain's lines then too
				golden.Check(t, "testdata/goline-json.stdout", stdout.Bytes())
			} else {
				golden.Check(t, "testdata/goline-plain.stderr", visible(stderr.Bytes()))
			}
		})
	}
}

// On GitHub, toolchains whose cells interleave still get one group each,
// printed when their last cell is done; an interrupted run prints what
// it has.
func TestGitHubInterleaved(t *testing.T) {
	var stderr bytes.Buffer
	rep := New(Options{Stderr: &stderr, Getenv: func(k string) string {
		if k == "GITHUB_ACTIONS" {
			return "true"
		}
		return ""
	}})
	c := &matrix.Case{Name: "loop"}
	var cells []*matrix.Cell
	for _, v := range []string{"go1.13.15", "go1.26.8", "go1.27.0"} {
		for p := 1; p <= 8; p++ {
			cells = append(cells, &matrix.Cell{Case: c, Toolchain: toolchain.Toolchain{Version: v}, GOMAXPROCS: p})
		}
	}
	rep.RunStarted(cells)
	for _, v := range []string{"go1.13.15", "go1.26.8", "go1.27.0"} {
		rep.BuildDone(build.Request{Case: c, Toolchain: toolchain.Toolchain{Version: v}}, build.Result{Duration: time.Second})
	}
	// Alternate go1.13.15 and go1.26.8; go1.27.0 only half done.
	for i := range 8 {
		for _, base := range []int{0, 8} {
			rep.CellDone(cells[base+i], &results.Cell{Outcome: []string{results.Complete, results.Hang}[i%2], Runs: 1})
		}
	}
	for i := 16; i < 20; i++ {
		rep.CellDone(cells[i], &results.Cell{Outcome: results.Complete, Cached: true, Runs: 1})
	}
	rep.Finish(&results.Results{})
	golden.Check(t, "testdata/"+"github-interleaved.stderr", stderr.Bytes())
}

// New picks reporters from where the output goes.
func TestNewPicks(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Getenv: env()}, "*progress.plain"},
		{Options{IsTTY: true, Getenv: env()}, "*progress.tty"},
		{Options{IsTTY: true, Getenv: env("GITHUB_ACTIONS", "true")}, "*progress.github"},
		{Options{Getenv: env("GITHUB_ACTIONS", "false")}, "*progress.plain"},
		{Options{JSON: true, Getenv: env()}, "progress.multi[*progress.plain *progress.jsonEvents]"},
	} {
		r := New(tt.o)
		got := fmt.Sprintf("%T", r)
		if m, ok := r.(multi); ok {
			got = fmt.Sprintf("progress.multi[%T %T]", m[0], m[1])
		}
		if got != tt.want {
			t.Errorf("New(%+v) = %s, want %s", tt.o, got, tt.want)
		}
	}
}

// Annotations are capped per kind; the last one counts the rest.
func TestAnnotationsCapped(t *testing.T) {
	r := &results.Results{Complete: true}
	for i := range 25 {
		r.Claims = append(r.Claims, results.Claim{ID: fmt.Sprintf("C%d", i), Claim: "x", Verdict: results.Refuted})
	}
	for i := range 3 {
		r.Claims = append(r.Claims, results.Claim{ID: fmt.Sprintf("P%d", i), Claim: "y", Verdict: results.Partly})
	}
	got := annotations(r)
	var errs, warns int
	for _, a := range got {
		switch {
		case strings.HasPrefix(a, "::error "):
			errs++
		case strings.HasPrefix(a, "::warning "):
			warns++
		}
	}
	if errs != maxAnnotations || warns != 3 {
		t.Errorf("%d errors, %d warnings; want %d and 3:\n%s", errs, warns, maxAnnotations, strings.Join(got, ""))
	}
	if last := got[maxAnnotations-1]; !strings.Contains(last, "16 more error annotations were left out") {
		t.Errorf("the last error does not count the rest: %s", last)
	}
}

func TestEscapeWorkflowCommand(t *testing.T) {
	if got, want := escapeData("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b"; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty("claim C1: a, b\n"), "claim C1%3A a%2C b%0A"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

// A step summary that would pass GitHub's 1 MiB is cut, counting what
// the file held already.
func TestStepSummaryLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(path, bytes.Repeat([]byte("x\n"), (1<<20-3000)/2), 0o644)
	if err := writeStepSummary(path, fixture(t), "results/index.html"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if len(data) >= 1<<20 {
		t.Errorf("step summary is %d bytes, over 1 MiB", len(data))
	}
	if !bytes.Contains(data, []byte("did not fit")) || !bytes.Contains(data, []byte("results/index.html")) {
		t.Errorf("no note saying where the results are:\n%s", data[len(data)-300:])
	}
}

// The live line is redrawn from its own goroutine while the run and the
// toolchain manager write: run with -race.
func TestTTYConcurrent(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	rep := New(Options{Stderr: w, IsTTY: true, Refresh: time.Millisecond, Getenv: func(string) string { return "" }, Width: func() int { return 40 }})
	r := fixture(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fmt.Fprintf(rep.Writer(), "bar %d\n", i)
			time.Sleep(100 * time.Microsecond)
		}
	}()
	replay(t, rep, r)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// After Finish the live line is gone: the output ends with a whole line.
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		t.Errorf("output ends mid-line: %q", buf.String()[max(buf.Len()-80, 0):])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// testOptions completes o for a test: buffers for stdout and stderr, vars
// as the environment (with GITHUB_STEP_SUMMARY, a file in a temporary
// directory, when GITHUB_ACTIONS is set), a fake clock, no redraws of its
// own and a 72-column terminal. It returns the environment it made.
func testOptions(t *testing.T, o Options, vars map[string]string) (_ Options, stdout, stderr *bytes.Buffer, env map[string]string) {
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	env = map[string]string{}
	for k, v := range vars {
		env[k] = v
	}
	if env["GITHUB_ACTIONS"] == "true" {
		env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "step_summary.md")
	}
	o.Stdout, o.Stderr = stdout, stderr
	o.Getenv = func(k string) string { return env[k] }
	o.Now = fakeClock()
	o.Refresh = -1
	o.Width = func() int { return 72 }
	return o, stdout, stderr, env
}
