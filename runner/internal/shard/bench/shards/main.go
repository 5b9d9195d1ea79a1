// Command shards checks a plan's predictions: it plans the default
// matrix into shards (gomatrix plan -from), then runs each shard from an
// empty cache, one after the other, and prints each shard's predicted
// and measured wall time:
//
//	go run ./runner/internal/shard/bench/shards [-shards 4] [-from results/results.json]
//
// run from the repository's root. The plan is for machines with the
// cores of the one that made the -from results (the committed
// results/results.json: this 2-core machine). Each shard gets a new,
// empty GOMATRIX_CACHE, deleted after it; the runner is built first, so
// its own Go build cache is no part of the figures. The load average
// before and after each shard is printed beside it (the machine may be
// shared). Targets: every shard within 1.5× of its prediction, the
// slowest within 1.3× of the mean.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/loadavg"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

func main() {
	shards := flag.Int("shards", 4, "the number of shards")
	from := flag.String("from", "results/results.json", "the results the plan is priced from")
	matrixFile := flag.String("f", "matrix.yaml", "the matrix")
	only := flag.String("only", "", "run only these shards, comma-separated indexes (default all)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *matrixFile, *from, *shards, *only); err != nil {
		fmt.Fprintln(os.Stderr, "shards:", err)
		os.Exit(1)
	}
}

// A measured shard is one job of the plan, run.
type measured struct {
	job                shard.Job
	wall               time.Duration
	loadBefore, loadAt string
}

func run(ctx context.Context, matrixFile, from string, n int, only string) error {
	work, err := os.MkdirTemp("", "gomatrix-shards-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "runner")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./runner").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v: %s", err, out)
	}
	jobs, summary, err := plan(ctx, bin, work, matrixFile, from, n)
	if err != nil {
		return err
	}
	fmt.Print(summary)
	var done []measured
	for _, j := range jobs {
		if only != "" && !strings.Contains(","+only+",", fmt.Sprintf(",%d,", j.Index)) {
			continue
		}
		m, err := runShard(ctx, bin, filepath.Join(work, fmt.Sprint(j.Index)), matrixFile, from, j)
		if err != nil {
			return fmt.Errorf("shard %s: %w", j.Shard, err)
		}
		done = append(done, m)
	}
	report(done)
	return nil
}

// plan runs gomatrix plan and returns its jobs and its summary.
func plan(ctx context.Context, bin, work, matrixFile, from string, n int) ([]shard.Job, string, error) {
	cmd := exec.CommandContext(ctx, bin, "plan", "-f", matrixFile, "-shards", fmt.Sprint(n), "-from", from)
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+filepath.Join(work, "plan-cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("plan: %v: %s", err, stderr.String())
	}
	var st shard.Strategy
	if err := json.Unmarshal(stdout.Bytes(), &st); err != nil {
		return nil, "", fmt.Errorf("plan: %v: %s", err, stdout.String())
	}
	return st.Include, stderr.String(), nil
}

// runShard runs job j from an empty cache under dir.
func runShard(ctx context.Context, bin, dir, matrixFile, from string, j shard.Job) (measured, error) {
	m := measured{job: j}
	cache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return m, err
	}
	defer os.RemoveAll(cache) // gigabytes: the next shard needs the room
	cmd := exec.CommandContext(ctx, bin, "-f", matrixFile, "-shard", j.Shard, "-plan-id", j.Plan, "-from", from,
		"-o", filepath.Join(dir, "out"), "-q", "-fail-on", "none")
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+cache)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(os.Stderr, "shards: %s: running (%d cells, predicted %d s)\n", j.Shard, j.Cells, j.CostS)
	m.loadBefore = loadavg.Averages()
	start := time.Now()
	err := cmd.Run()
	m.wall, m.loadAt = time.Since(start), loadavg.Averages()
	if err != nil {
		return m, fmt.Errorf("%v: %s", err, lastLines(out.String(), 20))
	}
	fmt.Fprintf(os.Stderr, "shards: %s: %.1f s\n", j.Shard, m.wall.Seconds())
	return m, nil
}

func report(done []measured) {
	fmt.Printf("\n%-6s %-28s %6s %10s %10s %7s   %s\n", "shard", "toolchains", "cells", "predicted", "measured", "ratio", "load average before → after")
	var total, slowest float64
	worst := 0.0
	for _, m := range done {
		s := m.wall.Seconds()
		ratio := s / float64(m.job.CostS)
		total += s
		slowest = max(slowest, s)
		worst = max(worst, max(ratio, 1/ratio))
		fmt.Printf("%-6s %-28s %6d %9d s %8.1f s %7.2f   %s → %s\n", m.job.Shard, versions(m.job.Versions), m.job.Cells, m.job.CostS, s, ratio, m.loadBefore, m.loadAt)
	}
	if len(done) == 0 {
		return
	}
	mean := total / float64(len(done))
	fmt.Printf("\nworst prediction off by %.2f× (target ≤ 1.5×); slowest shard %.1f s, mean %.1f s: %.2f× the mean (target ≤ 1.3×)\n",
		worst, slowest, mean, slowest/mean)
}

func versions(v string) string {
	f := strings.Fields(v)
	switch len(f) {
	case 0:
		return "(none)"
	case 1:
		return f[0]
	}
	return f[0] + "…" + f[len(f)-1]
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
