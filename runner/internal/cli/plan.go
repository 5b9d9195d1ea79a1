package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/shard"
	"gomatrix/runner/internal/toolchain"
)

const planUsage = `usage: runner plan [-f matrix.yaml] [-shards N] [-from results.json] [-os label,...] [-only key=value]... [-list]

Plan splits the matrix's cells into N shards for the jobs of a GitHub
Actions matrix, and prints the value of strategy.matrix on one line:

	{"include":[{"shard":"1/8","plan":"…","name":"1/8 go1.13.15…go1.14.15, 412 cells, ~9m",
	  "versions":"go1.13.15 go1.14.15","cache_key":"…","artifact":"results-1-of-8",…},…]}

Each job then runs 'runner run -shard <shard> -plan-id <plan>' with the same
-f, -only and -from, which re-derives the same cells from the matrix.

The cells of a toolchain stay together (a shard downloads few toolchains)
and the shards are balanced by expected cost: each run costs half its
timeout, or what it took in the -from results (a hang: its timeout),
weighted by the cores it takes; each download and build costs a fixed
time. There are never more than 256 jobs (GitHub's limit): with -os,
every shard runs on each runner, so N is at most 256 / runners.

With -os, the jobs get an "os" (the runs-on label) and a "platform", and
a plan is made per platform: a platform's list of releases decides what
a version selector resolves to there (darwin/arm64 has nothing before
go1.16). A GitHub-hosted label's platform is known (ubuntu-*, macos-*,
windows-*); name others' as label=goos/goarch.

Toolchains are resolved (the list of releases is fetched) but nothing is
downloaded, built or run.

Flags:
`

func cmdPlan(ctx context.Context, e *Env, args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	file := fs.String("f", "matrix.yaml", "the matrix `file`")
	shards := fs.Int("shards", 1, "the number of shards `N` (at most 256, or 256 / runners with -os)")
	from := fs.String("from", "", "price cells by what they took in this previous `results.json`")
	oses := fs.String("os", "", "run every shard on each of these comma-separated runs-on `labels`\n(ubuntu-latest,macos-latest,windows-latest; others as label=goos/goarch)")
	list := fs.Bool("list", false, "print each shard's cells instead of the JSON")
	var only filterFlag
	fs.Var(&only, "only", "plan only cells matching `key=value` (as run -only; pass the same to each shard)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), planUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "runner plan: unexpected argument %q\nhint: name the matrix with -f\n", fs.Arg(0))
		return ExitUsage
	}
	runners, err := shard.ParseRunners(*oses)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner plan: -os: %v\n", err)
		return ExitUsage
	}
	limit := shard.MaxJobs / max(len(runners), 1)
	if *shards < 1 {
		fmt.Fprintf(e.Stderr, "runner plan: -shards %d: want at least 1\n", *shards)
		return ExitUsage
	}
	if *shards > limit {
		fmt.Fprintf(e.Stderr, "note: planning %d shards, not %d: GitHub Actions runs at most %d jobs of a matrix", limit, *shards, shard.MaxJobs)
		if len(runners) > 1 {
			fmt.Fprintf(e.Stderr, ", and each shard runs on %d runners", len(runners))
		}
		fmt.Fprintln(e.Stderr)
		*shards = limit
	}

	// A plan per platform: each resolves the matrix's versions from its
	// own list of releases, as its shard jobs will.
	type target struct {
		goos, goarch string
		runners      []shard.Runner
	}
	var targets []*target
	if len(runners) == 0 {
		targets = append(targets, &target{runtime.GOOS, runtime.GOARCH, []shard.Runner{{}}})
	}
	for _, r := range runners {
		i := slices.IndexFunc(targets, func(t *target) bool { return t.goos == r.GOOS && t.goarch == r.GOARCH })
		if i < 0 {
			i = len(targets)
			targets = append(targets, &target{goos: r.GOOS, goarch: r.GOARCH})
		}
		targets[i].runners = append(targets[i].runners, r)
	}
	var jobs []shard.Job
	for _, t := range targets {
		m, cells, code := expandForShards(ctx, e, "plan", *file, only.f, t.goos, t.goarch)
		if cells == nil {
			return code
		}
		p, err := planShards(m, cells, *shards, *from)
		if err != nil {
			fmt.Fprintf(e.Stderr, "runner plan: %v\n", err)
			return ExitUsage
		}
		if *list {
			for _, s := range p.Shards {
				for _, k := range s.Keys() {
					if len(runners) > 0 {
						fmt.Fprintf(e.Stdout, "%s/%s\t", t.goos, t.goarch)
					}
					fmt.Fprintf(e.Stdout, "%s\t%s\n", s.Spec, k)
				}
			}
			continue
		}
		var labels []string
		for _, r := range t.runners {
			jobs = append(jobs, p.Jobs(r)...)
			labels = append(labels, r.Label)
		}
		printPlan(e.Stderr, p, t.goos+"/"+t.goarch, labels, len(cells))
	}
	if *list {
		return ExitOK
	}
	st, err := shard.NewStrategy(jobs)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner plan: %v\n", err)
		return ExitUsage
	}
	data, err := st.JSON()
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner plan: %v\n", err)
		return ExitFailure
	}
	e.Stdout.Write(data)
	return ExitOK
}

// expandForShards reads the matrix and its cases, resolves its toolchains
// for goos/goarch (nothing is downloaded) and returns its cells, less
// those the filter drops, as run does there before running them. cells
// is nil on failure, with the exit status to return.
func expandForShards(ctx context.Context, e *Env, cmd, file string, only matrix.Filter, goos, goarch string) (*matrix.Matrix, []*matrix.Cell, int) {
	m, err := matrix.Load(file)
	if err != nil {
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return nil, nil, ExitUsage
	}
	cases, err := m.LoadCases()
	if err != nil {
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return nil, nil, ExitUsage
	}
	mgr, err := toolchain.NewManager(e.CacheDir(), e.Getenv)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner %s: %v\n", cmd, err)
		return nil, nil, ExitUsage
	}
	mgr.Progress = e.Stderr
	if goos != runtime.GOOS || goarch != runtime.GOARCH {
		// Another platform's releases, and none of the toolchains
		// installed here (they are this platform's): a cache of its own.
		mgr.GOOS, mgr.GOARCH = goos, goarch
		mgr.CacheDir = filepath.Join(mgr.CacheDir, "plan", goos+"-"+goarch)
		mgr.SDKDir = ""
	}
	resolved, err := mgr.Resolve(ctx, m.Selectors())
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner %s: %v\n", cmd, err)
		return nil, nil, ExitFailure
	}
	bySel := map[string][]toolchain.Toolchain{}
	for _, t := range resolved {
		bySel[t.Selector] = append(bySel[t.Selector], t)
		if t.Error != "" {
			// Its cells are skip in every shard; the shard runs say so too.
			fmt.Fprintf(e.Stderr, "warning: %s/%s: %s: %s\n", goos, goarch, t.Selector, firstLine(t.Error))
		}
	}
	cells, err := m.Expand(cases, bySel)
	if err != nil {
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return nil, nil, ExitUsage
	}
	if only != nil {
		kept := cells[:0]
		for _, c := range cells {
			if only.Keep(c) {
				kept = append(kept, c)
			}
		}
		cells = kept
	}
	if len(cells) == 0 {
		fmt.Fprintf(e.Stderr, "runner %s: no cell to plan\nhint: 'runner -list' shows the cells\n", cmd)
		return nil, nil, ExitUsage
	}
	return m, cells, ExitOK
}

// planShards plans cells into n shards, pricing them by the previous
// results in from, if named.
func planShards(m *matrix.Matrix, cells []*matrix.Cell, n int, from string) (*shard.Plan, error) {
	opt := shard.Options{Shards: n}
	if from != "" {
		h, err := shard.ReadHistory(from)
		if err != nil {
			return nil, fmt.Errorf("-from: %w", err)
		}
		opt.History = h
	}
	return shard.New(m, cells, opt)
}

// selectShard re-derives the plan of cells as 'runner plan' made it and
// returns the shard spec names ("i/N"): what 'run -shard' runs. When
// planID is set, the plan must have that ID. Its errors are usage
// errors: nothing should run.
func selectShard(m *matrix.Matrix, cells []*matrix.Cell, spec, from, planID string) (*shard.Plan, *shard.Shard, error) {
	s, err := shard.ParseSpec(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("-shard: %w", err)
	}
	p, err := planShards(m, cells, s.Count, from)
	if err != nil {
		return nil, nil, err
	}
	if planID != "" && p.ID != planID {
		return nil, nil, fmt.Errorf("-shard %s: the plan derived here is %s, not %s: this job would not run the cells the plan gave it\nhint: the matrix, a case, a resolved Go version (a new release?), -only or -from differ from the plan job's; plan again", s, p.ID, planID)
	}
	sh, err := p.Shard(s)
	if err != nil {
		return nil, nil, err
	}
	return p, sh, nil
}

// printPlan writes a summary of p, the plan for platform's runners, a
// line per shard.
func printPlan(w io.Writer, p *shard.Plan, platform string, runners []string, cells int) {
	largest, mean := p.Costs()
	on := platform
	if len(runners) > 0 && runners[0] != "" {
		on = strings.Join(runners, ", ") + " (" + platform + ")"
	}
	fmt.Fprintf(w, "plan %s for %s: %d cells in %d shards (matrix %s); expected cost per shard: largest %s, mean %s\n",
		p.ID, on, cells, len(p.Shards), hashPrefix(p.MatrixHash), planDuration(largest), planDuration(mean))
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
