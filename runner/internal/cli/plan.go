package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

const planUsage = `usage: gomatrix plan [-f matrix.yaml] [-shards N] [-from results.json] [-os label,...] [-only key=value]... [-list]

Plan splits the matrix's cells into N shards for the jobs of a GitHub
Actions matrix, and prints the value of strategy.matrix on one line:

	{"include":[{"shard":"1/8","plan":"…","name":"1/8 go1.13.15…go1.14.15, 412 cells, ~9m",
	  "versions":"go1.13.15 go1.14.15","cache_key":"…","artifact":"results-1-of-8",…},…]}

Each job then runs 'gomatrix run -shard <shard> -plan-id <plan>' with the same
-f, -only and -from, which re-derives the same cells from the matrix.

The cells of a toolchain stay together (a shard downloads few toolchains)
and the shards are balanced by expected wall time from an empty cache,
as the runner works: downloads (two at once) overlap the builds and runs
of the toolchains already there, which share the machine's cores. Each
run costs half its timeout, or what it took in the -from results (a
hang: its timeout), times the cores it holds; each download, toolchain
rebuild (goexperiment_rebuild), std compile and build what the -from
results recorded of it (or of another patch of the same minor), else a
typical figure. The plan is for machines with as many cores as the one
that made the -from results, else for GitHub's standard runners (4).
There are never more than 256 jobs (GitHub's limit): with -os, every
shard runs on each runner, so N is at most 256 / runners.

With -os, the jobs get an "os" (the runs-on label) and a "platform", and
a plan is made per platform: a platform's list of releases decides what
a version selector resolves to there (darwin/arm64 has nothing before
go1.16). A GitHub-hosted label's platform is known (ubuntu-*, macos-*,
windows-*); name others' as label=goos/goarch.

Toolchains are resolved (the list of releases is fetched) but nothing is
downloaded, built or run.

Flags:
`

// planFlags are the flags of 'gomatrix plan'.
type planFlags struct {
	pipeline.Options
	shards  int
	runners []shard.Runner
	list    bool
}

func parsePlanFlags(e *Env, args []string) (*planFlags, error) {
	f := &planFlags{}
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	addCellFlags(fs, &f.Options, "plan only cells matching `key=value` (as run -only; pass the same to each shard)")
	fs.IntVar(&f.shards, "shards", 1, "the number of shards `N` (at most 256, or 256 / runners with -os)")
	fs.StringVar(&f.From, "from", "", "price cells by what they took in this previous `results.json`")
	oses := fs.String("os", "", "run every shard on each of these comma-separated runs-on `labels`\n(ubuntu-latest,macos-latest,windows-latest; others as label=goos/goarch)")
	fs.BoolVar(&f.list, "list", false, "print each shard's cells instead of the JSON")
	fs.Usage = func() { fmt.Fprint(fs.Output(), planUsage); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q\nhint: name the matrix with -f", fs.Arg(0))
	}
	var err error
	if f.runners, err = shard.ParseRunners(*oses); err != nil {
		return nil, usagef("-os: %v", err)
	}
	if f.shards < 1 {
		return nil, usagef("-shards %d: want at least 1", f.shards)
	}
	if limit := shard.MaxJobs / max(len(f.runners), 1); f.shards > limit {
		fmt.Fprintf(e.Stderr, "note: planning %d shards, not %d: GitHub Actions runs at most %d jobs of a matrix", limit, f.shards, shard.MaxJobs)
		if len(f.runners) > 1 {
			fmt.Fprintf(e.Stderr, ", and each shard runs on %d runners", len(f.runners))
		}
		fmt.Fprintln(e.Stderr)
		f.shards = limit
	}
	return f, nil
}

// A target is a platform to plan for, with the runners of that platform.
type target struct {
	goos, goarch string
	runners      []shard.Runner
}

// targets groups runners by platform: a plan is made per platform. No
// runners: this platform, one unnamed runner.
func targets(runners []shard.Runner) []*target {
	if len(runners) == 0 {
		return []*target{{runtime.GOOS, runtime.GOARCH, []shard.Runner{{}}}}
	}
	var ts []*target
	for _, r := range runners {
		i := slices.IndexFunc(ts, func(t *target) bool { return t.goos == r.GOOS && t.goarch == r.GOARCH })
		if i < 0 {
			i = len(ts)
			ts = append(ts, &target{goos: r.GOOS, goarch: r.GOARCH})
		}
		ts[i].runners = append(ts[i].runners, r)
	}
	return ts
}

// cmdPlan implements 'gomatrix plan': see planUsage.
func cmdPlan(ctx context.Context, e *Env, args []string) error {
	f, err := parsePlanFlags(e, args)
	if err != nil {
		return err
	}
	var jobs []shard.Job
	for _, t := range targets(f.runners) {
		// Each platform resolves the matrix's versions from its own
		// list of releases, as its shard jobs will.
		o := pipeline.Options{File: f.File, Only: f.Only, GOOS: t.goos, GOARCH: t.goarch}
		r, err := pipeline.Prepare(ctx, e.pipeline(e.Stderr), o)
		if err != nil {
			return err
		}
		p, err := planFor(e, r, t, f.shards, f.From)
		if err != nil {
			return err
		}
		if f.list {
			listPlan(e.Stdout, p, t, len(f.runners) > 0)
			continue
		}
		for _, rn := range t.runners {
			jobs = append(jobs, p.Jobs(rn)...)
		}
		printPlan(e.Stderr, p, t, len(r.Cells))
	}
	if f.list {
		return nil
	}
	st, err := shard.NewStrategy(jobs)
	if err != nil {
		return usagef("%v", err)
	}
	data, err := st.JSON()
	if err != nil {
		return err
	}
	_, err = e.Stdout.Write(data)
	return err
}

// planFor plans r's cells, prepared for t, into n shards. The cells of a
// version that could not be resolved are skip in every shard (the shard
// runs say so too): a warning here.
func planFor(e *Env, r *pipeline.Run, t *target, n int, from string) (*shard.Plan, error) {
	for _, tc := range r.Toolchains {
		if tc.Error != "" {
			fmt.Fprintf(e.Stderr, "warning: %s/%s: %s: %s\n", t.goos, t.goarch, tc.Selector, firstLine(tc.Error))
		}
	}
	if len(r.Cells) == 0 {
		return nil, usagef("no cell to plan\nhint: 'runner -list' shows the cells")
	}
	return r.PlanShards(n, from)
}

// listPlan prints each shard's cells, a line per cell.
func listPlan(w io.Writer, p *shard.Plan, t *target, platform bool) {
	for _, s := range p.Shards {
		for _, k := range s.Keys() {
			if platform {
				fmt.Fprintf(w, "%s/%s\t", t.goos, t.goarch)
			}
			fmt.Fprintf(w, "%s\t%s\n", s.Spec, k)
		}
	}
}

// printPlan writes a summary of p, the plan for t's runners, a line per
// shard.
func printPlan(w io.Writer, p *shard.Plan, t *target, cells int) {
	largest, mean := p.Costs()
	on := t.goos + "/" + t.goarch
	if t.runners[0].Label != "" {
		var labels []string
		for _, r := range t.runners {
			labels = append(labels, r.Label)
		}
		on = strings.Join(labels, ", ") + " (" + on + ")"
	}
	fmt.Fprintf(w, "plan %s for %s: %d cells in %d shards (matrix %s); expected wall time per shard from an empty cache on %d cores: largest %s, mean %s\n",
		p.ID, on, cells, len(p.Shards), hashPrefix(p.MatrixHash), p.Cores, planDuration(largest), planDuration(mean))
	for _, s := range p.Shards {
		v := strings.Join(s.Versions, " ")
		if v == "" {
			v = "no download"
		}
		fmt.Fprintf(w, "  %-7s %5d cells  ~%-8s %s\n", s.Spec, len(s.Cells), planDuration(s.Cost), v)
	}
}

func planDuration(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
