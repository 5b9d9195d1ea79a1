// Command timing measures what a build next to a run does to the run's
// timing, and that the scheduler keeps them apart. It runs the sysmon
// case (bench/cases/sysmon, a copy of cases/sysmon: GOMAXPROCS=1,
// complete_on '^hi after', the figure claim C6 bounds to 10–25 ms) with
// the machine's Go, -n times in each condition, and prints the median,
// 90th percentile, minimum and maximum of complete_ms, and how many runs
// fell within C6's bounds (a cell's complete_ms is one run's: its tail
// decides claims as much as its median):
//
//	(a)  quiet: one run at a time, nothing else running;
//	(b1) one run at a time next to `go build -p 1 -a std` (a fresh
//	     GOCACHE): what the scheduler allowed before builds and runs were
//	     kept apart, when there were at least as many chains of builds as
//	     cores (the default matrix: 15 toolchains, 2 cores);
//	(b2) the same next to `go build -a std` with go build's default -p;
//	(c)  through the scheduler (-p cores): the sysmon cell with -n
//	     repeats and -chains chains of CPU-heavy builds (GOFLAGS=-a)
//	     queued with it; it also counts the runs that overlapped a build
//	     (the rule is that none does).
//
// Run it from the repository's root:
//
//	go run ./runner/internal/scheduler/bench/timing [-n 20] [-p cores] [-chains n]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/run"
)

const (
	timeout      = time.Second // the default matrix's
	buildTimeout = 10 * time.Minute
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := timing(ctx, os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "timing:", err)
		os.Exit(1)
	}
}

// A bench is what every condition shares.
type bench struct {
	log    io.Writer // progress
	n      int       // runs per condition
	par    int       // the scheduler's cores
	chains int       // chains of heavy builds next to the sysmon cell
	work   string    // the cache directory: fresh build caches
	sysmon *matrix.Cell
	filler *matrix.Case // the case the heavy builds build
}

// A row is one condition's figures.
type row struct {
	name string
	ms   []float64
	note string
}

func timing(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	b, err := setup(ctx, stderr, args)
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.work)
	spec, err := b.buildSysmon(ctx)
	if err != nil {
		return err
	}
	rows, err := b.conditions(ctx, spec)
	if err != nil {
		return err
	}
	b.report(stdout, rows)
	return nil
}

// conditions measures (a), (b1), (b2) and (c) in turn.
func (b *bench) conditions(ctx context.Context, spec run.Spec) ([]row, error) {
	var rows []row
	b.logf("(a) quiet")
	ms, err := runs(ctx, spec, b.n)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{name: "(a) quiet", ms: ms})
	for _, c := range []struct {
		name  string
		procs int
	}{{"(b1) next to go build -p 1 -a std", 1}, {"(b2) next to go build -a std", 0}} {
		b.logf("%s", c.name)
		ms, err := b.nextToBuild(ctx, spec, c.procs)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{name: c.name, ms: ms})
	}
	b.logf("(c) through the scheduler")
	r, err := b.throughScheduler(ctx)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("(c) scheduler, %d heavy build chains", b.chains)
	return append(rows, row{name: name, ms: r.ms, note: r.note()}), nil
}

func setup(ctx context.Context, log io.Writer, args []string) (*bench, error) {
	fs := flag.NewFlagSet("timing", flag.ContinueOnError)
	n := fs.Int("n", 20, "runs per condition")
	par := fs.Int("p", runtime.NumCPU(), "cores the scheduler uses in (c)")
	chains := fs.Int("chains", runtime.NumCPU(), "chains of heavy builds queued with the sysmon cell in (c)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	t, err := localToolchain(ctx)
	if err != nil {
		return nil, err
	}
	sysmon, err := matrix.LoadCase(filepath.FromSlash("runner/internal/scheduler/bench/cases/sysmon"))
	if err != nil {
		return nil, fmt.Errorf("load case: %w\nhint: run it from the repository's root", err)
	}
	filler, err := matrix.LoadCase(filepath.FromSlash("runner/internal/scheduler/bench/cases/gosched-exit"))
	if err != nil {
		return nil, fmt.Errorf("load case: %w", err)
	}
	work, err := os.MkdirTemp("", "gomatrix-timing-")
	if err != nil {
		return nil, err
	}
	cell := &matrix.Cell{Case: sysmon, Toolchain: t, GOMAXPROCS: 1, Timeout: timeout, BuildTimeout: buildTimeout, Repeat: *n}
	return &bench{log: log, n: *n, par: *par, chains: *chains, work: work, sysmon: cell, filler: filler}, nil
}

func (b *bench) report(w io.Writer, rows []row) {
	c := b.sysmon
	fmt.Fprintf(w, "\ncomplete_ms of bench/cases/%s (GOMAXPROCS=1, complete_on %q), %s, %d CPUs, scheduler -p %d\n\n",
		c.Case.Name, c.Case.CompleteOn, c.Toolchain.Version, runtime.NumCPU(), b.par)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "condition\tn\tmedian\tp90\tmin\tmax\tin 10–25 ms (C6)\t")
	for _, r := range rows {
		s := summarize(r.ms)
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d/%d\t%s\n", r.name, len(r.ms), s.median, s.p90, s.min, s.max, s.within(10, 25), len(r.ms), r.note)
	}
	tw.Flush()
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "timing: "+format+"\n", args...)
}
