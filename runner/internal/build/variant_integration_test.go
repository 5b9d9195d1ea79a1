package build

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// TestIntegrationVariantFidelity is the proof that the tools method
// (variant_install.go) gives what make.bash gives: for go1.13–go1.16 it
// rebuilds each with GOEXPERIMENT=preemptibleloops both ways and checks
// that the compilers report the same experiments, that every std package
// is the same bytes, and that programs (a tight loop that only
// preemptible loops let the GC stop; goroutines, channels, maps and the
// runtime; a test binary) build to the same bytes with -trimpath. It
// also runs them, and checks the experiment changed the tight loop's
// binary from the release's. The make.bash variants are kept in
// $GOMATRIX_CACHE/variant-references (bench/variants times and keeps
// them too) and built only when absent, about 1.5 minutes of both cores
// each; a make.bash variant in $GOMATRIX_CACHE/variants serves as well.
// It fetches the four toolchains (about 500 MB) when missing.
func TestIntegrationVariantFidelity(t *testing.T) {
	if os.Getenv("GOMATRIX_VARIANT_FIDELITY") != "1" {
		t.Skip("set GOMATRIX_VARIANT_FIDELITY=1 to rebuild go1.13–go1.16 with an experiment both ways (make.bash once, then cached; .ci/run does, in a step of its own)")
	}
	if runtime.GOOS == "windows" {
		t.Skip("make.bash is a shell script")
	}
	cache := integrationCache(t)
	// Stop cleanly a minute before go test's -timeout would panic.
	deadline := time.Now().Add(60 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(deadline) {
		deadline = d.Add(-time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	tcs := ensureToolchains(ctx, t, cache, "go1.13.15", "go1.14.15", "go1.15.15", "go1.16.15")
	progs := writePrograms(t)
	for _, tc := range tcs {
		t.Run(tc.Version, func(t *testing.T) {
			testTools(ctx, t, cache, tc, progs)
		})
	}
}

const integrationExp = "preemptibleloops"

func testTools(ctx context.Context, t *testing.T, cache string, tc toolchain.Toolchain, progs string) {
	ref := makeBashReference(ctx, t, cache, tc)
	b := &Builder{CacheDir: t.TempDir()}
	dir := filepath.Join(t.TempDir(), tc.Version+"+"+integrationExp)
	st, err := b.RebuildVariant(ctx, tc, integrationExp, MethodInstall, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.0f s wall, %.0f s CPU", st.Method, st.Wall.Seconds(), st.CPU.Seconds())
	refV, cheapV := variantAt(tc, ref), variantAt(tc, dir)
	if exps, err := compilerExperiments(refV); err != nil || exps != st.Experiments {
		t.Errorf("make.bash's compiler reports %q (%v), the cheap one %q", exps, err, st.Experiments)
	}
	comparePackages(ctx, t, refV, cheapV)
	bins := map[string][]byte{}
	for _, prog := range []string{"loop", "work"} {
		a, b := buildProgram(ctx, t, refV, progs, prog), buildProgram(ctx, t, cheapV, progs, prog)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: built with make.bash's variant and the cheap one, the binaries differ (%d and %d bytes)", prog, len(a), len(b))
		}
		bins[prog] = b
		runProgram(ctx, t, cheapV, progs, prog)
	}
	if a, b := buildTest(ctx, t, refV, progs), buildTest(ctx, t, cheapV, progs); !bytes.Equal(a, b) {
		t.Errorf("work.test: the test binaries differ (%d and %d bytes)", len(a), len(b))
	}
	if bytes.Equal(buildProgram(ctx, t, tc, progs, "loop"), bins["loop"]) {
		t.Error("loop: the release builds the same binary as the variants: the experiment changed nothing")
	}
}

func variantAt(tc toolchain.Toolchain, dir string) toolchain.Toolchain {
	tc.GOROOT, tc.Source = dir, "rebuilt"
	return tc
}

// integrationCache is $GOMATRIX_CACHE, default gomatrix under the user
// cache directory.
func integrationCache(t *testing.T) string {
	if d := os.Getenv("GOMATRIX_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "gomatrix")
}

func ensureToolchains(ctx context.Context, t *testing.T, cache string, versions ...string) []toolchain.Toolchain {
	m, err := toolchain.NewManager(cache, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	tcs, err := m.Resolve(ctx, versions)
	if err != nil || len(tcs) != len(versions) {
		t.Fatalf("Resolve(%v) = %+v, %v", versions, tcs, err)
	}
	tcs = m.Ensure(ctx, tcs)
	for _, tc := range tcs {
		if tc.Error != "" {
			t.Fatalf("%s: %s", tc.Version, tc.Error)
		}
	}
	return tcs
}

// makeBashReference returns a variant of tc built by make.bash: one the
// cache has, else one it builds (and keeps, with its timing beside it in
// the form bench/variants reads).
func makeBashReference(ctx context.Context, t *testing.T, cache string, tc toolchain.Toolchain) string {
	name := tc.Version + "+" + integrationExp
	for _, dir := range []string{filepath.Join(cache, "variant-references", name), filepath.Join(cache, "variants", name)} {
		if VariantMethodAt(dir) == MethodMakeBash {
			return dir
		}
	}
	dir := filepath.Join(cache, "variant-references", name)
	b := &Builder{CacheDir: t.TempDir()}
	before := loadAverage()
	st, err := b.RebuildVariant(ctx, tc, integrationExp, MethodMakeBash, dir)
	if err != nil {
		t.Fatalf("make.bash reference: %v", err)
	}
	t.Logf("make.bash reference: %.0f s wall, %.0f s CPU", st.Wall.Seconds(), st.CPU.Seconds())
	data, _ := json.Marshal(struct {
		Stats                 VariantStats
		LoadBefore, LoadAfter string
	}{st, before, loadAverage()})
	os.WriteFile(dir+".json", data, 0o644)
	return dir
}

func loadAverage() string {
	data, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// comparePackages checks that every std package, compiled by each
// variant (the tools method installs none: its builds compile std on
// demand), is the same bytes in both, and that none is missing.
func comparePackages(ctx context.Context, t *testing.T, ref, cheap toolchain.Toolchain) {
	a, _, errA := CompileStd(ctx, ref, t.TempDir(), t.TempDir())
	b, cpu, errB := CompileStd(ctx, cheap, t.TempDir(), t.TempDir())
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	n := len(a)
	for pkg, why := range DifferingStd(a, b) {
		t.Errorf("%s differs from make.bash's (%s)", pkg, why)
	}
	if n < 100 || len(a) != len(b) {
		t.Errorf("%d std packages compared; make.bash's variant compiled %d, the cheap one %d", n, len(a), len(b))
	}
	t.Logf("%d std packages the same bytes (all of std: %.0f s CPU)", n, cpu.Seconds())
}

// writePrograms writes the programs the variants build into a module.
func writePrograms(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":            "module variantcheck\n\ngo 1.13\n",
		"loop/main.go":      loopProgram,
		"work/main.go":      workProgram,
		"work/main_test.go": workTest,
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loopProgram hangs unless its loop can be preempted: with one P, the
// spinning goroutine must yield for main to wake and the GC to stop the
// world (go1.13 has no asynchronous preemption; preemptibleloops adds a
// check to the loop's back edge).
const loopProgram = `package main

import (
	"fmt"
	"runtime"
	"time"
)

var n uint64

func spin() {
	for {
		n++
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	go spin()
	time.Sleep(20 * time.Millisecond)
	runtime.GC()
	fmt.Println("preempted")
}
`

const workProgram = `package main

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

func work(n int) int {
	var wg sync.WaitGroup
	results := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := 0
			for j := 0; j < i*1000; j++ {
				s += j % 7
			}
			results <- s
		}(i)
	}
	wg.Wait()
	close(results)
	counts := map[int]int{}
	total := 0
	for s := range results {
		counts[s%10]++
		total += s
	}
	keys := make([]string, 0, len(counts))
	for k, v := range counts {
		keys = append(keys, fmt.Sprintf("%d:%d", k, v))
	}
	sort.Strings(keys)
	runtime.GC()
	fmt.Println(strings.Join(keys, " "))
	return total
}

func main() {
	fmt.Println("total", work(100), strings.HasPrefix(runtime.Version(), "go1.1"))
}
`

const workTest = `package main

import "testing"

func TestWork(t *testing.T) {
	if work(10) == 0 {
		t.Fatal("no work")
	}
}
`

// goCommand runs the go command of tc in progs with a build cache of
// its own, so no build is reused from another toolchain's. GOROOT_FINAL
// is the same for every toolchain: the go command hashes it into the
// link's action ID, the first part of a binary's build ID, so that
// without it two toolchains installed at different paths build
// different binaries even with -trimpath, whichever way they were built.
func goCommand(ctx context.Context, t *testing.T, tc toolchain.Toolchain, progs string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, tc.Go(), args...)
	cmd.Dir = progs
	cmd.Env = toolchain.Env(tc, "", []string{"GOCACHE=" + t.TempDir(), "GOPATH=" + t.TempDir(), "GOROOT_FINAL=/goroot"})
	return cmd
}

func buildProgram(ctx context.Context, t *testing.T, tc toolchain.Toolchain, progs, prog string) []byte {
	out := filepath.Join(t.TempDir(), prog)
	if msg, err := goCommand(ctx, t, tc, progs, "build", "-trimpath", "-o", out, "./"+prog).CombinedOutput(); err != nil {
		t.Fatalf("%s build %s: %v\n%s", tc.GOROOT, prog, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func buildTest(ctx context.Context, t *testing.T, tc toolchain.Toolchain, progs string) []byte {
	out := filepath.Join(t.TempDir(), "work.test")
	if msg, err := goCommand(ctx, t, tc, progs, "test", "-c", "-trimpath", "-o", out, "./work").CombinedOutput(); err != nil {
		t.Fatalf("%s test -c: %v\n%s", tc.GOROOT, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func runProgram(ctx context.Context, t *testing.T, tc toolchain.Toolchain, progs, prog string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := goCommand(ctx, t, tc, progs, "run", "./"+prog).CombinedOutput()
	if err != nil {
		t.Errorf("go run %s with the cheap variant: %v\n%s", prog, err, out)
	}
}
