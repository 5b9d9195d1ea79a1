// Command variants times the two ways gomatrix rebuilds a go1.13–go1.16
// toolchain with a GOEXPERIMENT baked in: make.bash, and go install of
// the build tools (see runner/internal/build/variant_install.go), which
// leaves std to be compiled on demand.
//
//	go run ./runner/internal/build/bench/variants [-n 2] [-toolchains go1.13.15,…] [-exp preemptibleloops]
//
// The toolchains are GOROOTs installed in $GOMATRIX_CACHE/toolchains
// (default gomatrix under the user cache directory). make.bash is timed
// once per toolchain: its variant is kept, with its timing beside it, in
// $GOMATRIX_CACHE/variant-references, where the build package's
// integration test finds it as its reference too. The tools method is
// timed -n times; then all of std is compiled with it and with the
// make.bash variant, to compare the bytes and to price the worst case
// (a build that imports all of std; make.bash's time includes that). Rebuilds run one at a time; the machine's load average
// (from /proc/loadavg, before → after) is printed beside each, since
// other work on the machine slows them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/loadavg"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const defaultToolchains = "go1.13.15,go1.14.15,go1.15.15,go1.16.15"

func main() {
	n := flag.Int("n", 2, "rebuilds by the tools method per toolchain")
	tcs := flag.String("toolchains", defaultToolchains, "installed toolchains, comma-separated (directories of $GOMATRIX_CACHE/toolchains)")
	exp := flag.String("exp", "preemptibleloops", "the GOEXPERIMENT to bake in")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "variants: -n must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, strings.Split(*tcs, ","), *exp, *n); err != nil {
		fmt.Fprintln(os.Stderr, "variants:", err)
		os.Exit(1)
	}
}

// A timing is one rebuild, with the load average around it.
type timing struct {
	Stats      build.VariantStats
	LoadBefore string
	LoadAfter  string
}

// A row is what the table prints for one toolchain.
type row struct {
	version  string
	makeBash timing
	cheap    []timing
	std      string        // how many of std's packages are the same bytes
	stdCPU   time.Duration // compiling all of std with the cheap variant
}

func run(ctx context.Context, versions []string, exp string, n int) error {
	cache, err := cacheDir()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "gomatrix-variants-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	b := &build.Builder{CacheDir: work}
	var rows []row
	for _, v := range versions {
		t := toolchain.Toolchain{Version: v, GOROOT: filepath.Join(cache, "toolchains", v)}
		r, err := measure(ctx, b, t, exp, n, filepath.Join(cache, "variant-references"), work)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		rows = append(rows, r)
	}
	printTable(rows, exp)
	return nil
}

func cacheDir() (string, error) {
	if d := os.Getenv("GOMATRIX_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	return filepath.Join(d, "gomatrix"), err
}

// measure times n rebuilds of t by the tools method and reads (or makes) the
// make.bash reference, comparing the last rebuild's std with it.
func measure(ctx context.Context, b *build.Builder, t toolchain.Toolchain, exp string, n int, refs, work string) (row, error) {
	r := row{version: t.Version}
	if _, err := os.Stat(t.Go()); err != nil {
		return r, fmt.Errorf("not installed: %w", err)
	}
	dir := filepath.Join(work, t.Version+"+"+exp)
	for i := 0; i < n; i++ {
		tm, err := timed(ctx, b, t, exp, build.MethodInstall, dir)
		if err != nil {
			return r, err
		}
		fmt.Fprintf(os.Stderr, "%s tools #%d: %s\n", t.Version, i+1, tm)
		r.cheap = append(r.cheap, tm)
	}
	ref := filepath.Join(refs, t.Version+"+"+exp)
	var err error
	if r.makeBash, err = reference(ctx, b, t, exp, ref); err != nil {
		return r, err
	}
	if r.std, r.stdCPU, err = compareStd(ctx, t, ref, dir, work); err != nil {
		return r, err
	}
	return r, os.RemoveAll(dir)
}

// reference returns the timing of the make.bash variant in dir, building
// it when absent.
func reference(ctx context.Context, b *build.Builder, t toolchain.Toolchain, exp, dir string) (timing, error) {
	var tm timing
	data, err := os.ReadFile(dir + ".json")
	if err == nil && json.Unmarshal(data, &tm) == nil && build.VariantMethodAt(dir) == build.MethodMakeBash {
		return tm, nil
	}
	if tm, err = timed(ctx, b, t, exp, build.MethodMakeBash, dir); err != nil {
		return tm, err
	}
	fmt.Fprintf(os.Stderr, "%s make.bash: %s\n", t.Version, tm)
	data, _ = json.MarshalIndent(tm, "", "\t")
	return tm, os.WriteFile(dir+".json", data, 0o644)
}

func timed(ctx context.Context, b *build.Builder, t toolchain.Toolchain, exp, method, dir string) (timing, error) {
	tm := timing{LoadBefore: loadavg.Minute()}
	st, err := b.RebuildVariant(ctx, t, exp, method, dir)
	tm.Stats, tm.LoadAfter = st, loadavg.Minute()
	return tm, err
}

func (tm timing) String() string {
	return fmt.Sprintf("%.0f s wall, %.0f s CPU, load %s→%s", tm.Stats.Wall.Seconds(), tm.Stats.CPU.Seconds(), tm.LoadBefore, tm.LoadAfter)
}

// compareStd compiles all of std with the variants in a (make.bash's)
// and b, and says how many packages are the same bytes, with the CPU
// time b took.
func compareStd(ctx context.Context, t toolchain.Toolchain, a, b, work string) (string, time.Duration, error) {
	compile := func(root string) (map[string]string, time.Duration, error) {
		v := t
		v.GOROOT = root
		dir, err := os.MkdirTemp(work, "std-")
		if err != nil {
			return nil, 0, err
		}
		return build.CompileStd(ctx, v, filepath.Join(dir, "gocache"), dir)
	}
	x, _, err := compile(a)
	if err != nil {
		return "", 0, err
	}
	y, cpu, err := compile(b)
	if err != nil {
		return "", 0, err
	}
	same := len(x) - len(build.DifferingStd(x, y))
	return fmt.Sprintf("%d/%d", same, max(len(x), len(y))), cpu, nil
}

func printTable(rows []row, exp string) {
	fmt.Printf("GOEXPERIMENT=%s; seconds of wall time (CPU time); load: 1-minute load average before→after each rebuild\n", exp)
	fmt.Println("tools: go install of the build tools; all std: then compiling all of std with them (CPU), which builds do on demand, a package at a time")
	format := "%-10s  %-24s  %-11s  %-11s  %-11s  %-8s  %-13s  %-8s  %s\n"
	fmt.Printf(format, "toolchain", "make.bash (load)", "tools min", "tools med", "ratio", "all std", "ratio w/ std", "std same", "tools loads")
	for _, r := range rows {
		walls, cpus, loads := summary(r.cheap)
		mb := r.makeBash.Stats
		fmt.Printf(format, r.version,
			fmt.Sprintf("%.0f (%.0f) %s→%s", mb.Wall.Seconds(), mb.CPU.Seconds(), r.makeBash.LoadBefore, r.makeBash.LoadAfter),
			fmt.Sprintf("%.0f (%.0f)", walls[0].Seconds(), cpus[0].Seconds()),
			fmt.Sprintf("%.0f (%.0f)", median(walls).Seconds(), median(cpus).Seconds()),
			fmt.Sprintf("%.2f (%.2f)", median(walls).Seconds()/mb.Wall.Seconds(), median(cpus).Seconds()/mb.CPU.Seconds()),
			fmt.Sprintf("%.0f", r.stdCPU.Seconds()),
			fmt.Sprintf("(%.2f)", (median(cpus)+r.stdCPU).Seconds()/mb.CPU.Seconds()),
			r.std, loads)
	}
}

// summary sorts the walls and CPU times of ts (each on its own) and lists
// their loads.
func summary(ts []timing) (walls, cpus []time.Duration, loads string) {
	var l []string
	for _, t := range ts {
		walls = append(walls, t.Stats.Wall)
		cpus = append(cpus, t.Stats.CPU)
		l = append(l, t.LoadBefore+"→"+t.LoadAfter)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return walls, cpus, strings.Join(l, " ")
}

// median of sorted d.
func median(d []time.Duration) time.Duration {
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}
