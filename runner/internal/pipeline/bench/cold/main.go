//go:build linux

// Command cold times the default matrix from an empty cache with the
// runner as it was before downloads overlapped the work (a worktree of
// commit 6b86c2d, built once) and with this one, one after the other:
//
//	go run ./runner/internal/pipeline/bench/cold [-before 6b86c2d] [-makebash] [-width 100]
//	go run ./runner/internal/pipeline/bench/cold -chart $GOMATRIX_CACHE/timeline.json
//
// run from the repository's root; the matrix is the before commit's
// matrix.yaml, the default matrix (-f names another). Each side gets a new, empty
// GOMATRIX_CACHE (toolchains, variants, build caches, results) and its
// own output directory; both runners are built before anything is timed,
// so the Go build cache of the runner itself is no part of the figures;
// the caches are deleted as each side ends, the results kept.
// It prints each side's wall time with the load average before and
// after (the machine may be shared), their ratio, the time of each
// toolchain rebuilt with an experiment (from the variant directories:
// created → marker written; the new runner also records them in
// results.json), and the new runner's timeline (the cache's
// timeline.json), a row per core.
// -makebash adds a third side: the new runner with
// GOMATRIX_VARIANT_METHOD=make.bash, the rebuild the old one did, so the
// overlap's share of the gain shows alone.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gomatrix/gomatrix/runner/internal/loadavg"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
)

func main() {
	before := flag.String("before", "6b86c2d", "the commit of the runner before")
	makebash := flag.Bool("makebash", false, "also time the new runner with make.bash rebuilds")
	width := flag.Int("width", 100, "the timeline's width, in columns")
	matrixFile := flag.String("f", "", "the matrix (default: the before commit's matrix.yaml, the default matrix)")
	chart := flag.String("chart", "", "only print the timeline in this `file` ($GOMATRIX_CACHE/timeline.json, the last run's)")
	flag.Parse()
	if *chart != "" {
		if err := printChart(*chart, *width); err != nil {
			fmt.Fprintln(os.Stderr, "cold:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *before, *matrixFile, *makebash, *width); err != nil {
		fmt.Fprintln(os.Stderr, "cold:", err)
		os.Exit(1)
	}
}

// A side is one runner timed from an empty cache.
type side struct {
	name   string
	binary string
	env    []string
	// filled in by time
	wall               time.Duration
	loadBefore, loadAt string
	res                *results.Results
	variants           []variantTime
	timeline           *scheduler.TimelineData
}

func run(ctx context.Context, before, matrixFile string, makebash bool, width int) error {
	work, err := os.MkdirTemp("", "gomatrix-cold-")
	if err != nil {
		return err
	}
	// The caches go as each side ends; the results, logs and timelines
	// stay.
	fmt.Fprintf(os.Stderr, "cold: results, logs and timelines in %s\n", work)
	oldBin, tree, err := buildBefore(ctx, before, work)
	if err != nil {
		return err
	}
	if matrixFile == "" {
		matrixFile = filepath.Join(tree, "matrix.yaml")
	}
	newBin := filepath.Join(work, "runner-after")
	if err := goBuild(ctx, ".", newBin); err != nil {
		return err
	}
	sides := []*side{{name: "before (" + before + ")", binary: oldBin}, {name: "after", binary: newBin}}
	if makebash {
		sides = append(sides, &side{name: "after, make.bash", binary: newBin, env: []string{"GOMATRIX_VARIANT_METHOD=make.bash"}})
	}
	for i, s := range sides {
		if err := s.time(ctx, filepath.Join(work, fmt.Sprint(i)), matrixFile); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	report(sides, width)
	return nil
}

// buildBefore builds the runner of commit, checked out (once, and kept)
// in a worktree under the temporary directory, into dir.
func buildBefore(ctx context.Context, commit, dir string) (bin, tree string, err error) {
	tree = filepath.Join(os.TempDir(), "gomatrix-before-"+commit)
	if _, err := os.Stat(filepath.Join(tree, "go.mod")); err != nil {
		cmd := exec.CommandContext(ctx, "git", "worktree", "add", "--detach", tree, commit)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("git worktree add: %v: %s", err, out)
		}
	}
	bin = filepath.Join(dir, "runner-before")
	return bin, tree, goBuild(ctx, tree, bin)
}

func goBuild(ctx context.Context, dir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./runner")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v: %s", dir, err, b)
	}
	return nil
}

// time runs the default matrix with s's runner from a new cache under
// dir and reads what it did.
func (s *side) time(ctx context.Context, dir, matrixFile string) error {
	cache, out := filepath.Join(dir, "cache"), filepath.Join(dir, "out")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, s.binary, "-f", matrixFile, "-o", out, "-q", "-fail-on", "none")
	cmd.Env = append(append(os.Environ(), "GOMATRIX_CACHE="+cache), s.env...)
	log, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	fmt.Fprintf(os.Stderr, "cold: %s: running (log %s)\n", s.name, log.Name())
	s.loadBefore = loadavg.Averages()
	start := time.Now()
	err = cmd.Run()
	s.wall, s.loadAt = time.Since(start), loadavg.Averages()
	if err != nil && !strings.Contains(err.Error(), "exit status 1") {
		return fmt.Errorf("%v (see %s)", err, log.Name())
	}
	fmt.Fprintf(os.Stderr, "cold: %s: %.1f s\n", s.name, s.wall.Seconds())
	if s.res, err = results.Read(filepath.Join(out, "results.json")); err != nil {
		return err
	}
	s.variants = variantTimes(filepath.Join(cache, "variants"))
	if data, err := os.ReadFile(filepath.Join(cache, pipeline.TimelineFile)); err == nil { // the runner before writes none
		os.WriteFile(filepath.Join(dir, pipeline.TimelineFile), data, 0o644)
		s.timeline, _ = readTimeline(filepath.Join(dir, pipeline.TimelineFile))
	}
	os.RemoveAll(cache) // gigabytes: the next side needs the room
	return nil
}

// A variantTime is how long a toolchain rebuild took, from its
// directory: created (its birth time, kept through the rename into
// place) → its completion marker written.
type variantTime struct {
	name string
	took time.Duration
}

func variantTimes(dir string) []variantTime {
	entries, _ := os.ReadDir(dir)
	var out []variantTime
	for _, e := range entries {
		if !e.IsDir() || strings.Contains(e.Name(), ".tmp-") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		var stx unix.Statx_t
		marker, err := os.Stat(filepath.Join(p, ".gomatrix-variant-complete"))
		if err != nil || unix.Statx(unix.AT_FDCWD, p, 0, unix.STATX_BTIME, &stx) != nil || stx.Mask&unix.STATX_BTIME == 0 {
			continue
		}
		born := time.Unix(stx.Btime.Sec, int64(stx.Btime.Nsec))
		out = append(out, variantTime{e.Name(), marker.ModTime().Sub(born)})
	}
	return out
}

func report(sides []*side, width int) {
	fmt.Println("== the default matrix from an empty cache")
	for _, s := range sides {
		fmt.Printf("%-22s %7.1f s   load average %s → %s   %d cells, %d runs, %d builds\n",
			s.name, s.wall.Seconds(), s.loadBefore, s.loadAt, len(s.res.Cells), s.res.Stats.Runs, s.res.Stats.Builds)
	}
	base := sides[0].wall.Seconds()
	for _, s := range sides[1:] {
		fmt.Printf("ratio %s / %s: %.2f (target ≤ 0.5)\n", s.name, sides[0].name, s.wall.Seconds()/base)
	}
	fmt.Println("\n== toolchains rebuilt with an experiment (directory created → marker written)")
	for _, s := range sides {
		fmt.Printf("%-22s", s.name)
		var total time.Duration
		for _, v := range s.variants {
			fmt.Printf("  %s %.1f s", v.name, v.took.Seconds())
			total += v.took
		}
		fmt.Printf("  (total %.1f s)\n", total.Seconds())
		for _, rb := range s.res.Rebuilds {
			fmt.Printf("%-22s  recorded in results.json: %s+%s %.1f s %s\n", "", rb.Go, rb.GOEXPERIMENT, rb.MS/1000, rb.Error)
		}
	}
	checkSameOutcomes(sides)
	for _, s := range sides[1:] {
		if tl := s.timeline; tl != nil {
			fmt.Printf("\n== timeline of %s\n%s", s.name, scheduler.Chart(tl, width))
			fmt.Print(busy(tl))
		}
	}
}

// readTimeline reads a timeline file (pipeline.TimelineFile).
func readTimeline(path string) (*scheduler.TimelineData, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tl := new(scheduler.TimelineData)
	return tl, json.Unmarshal(data, tl)
}

// printChart prints the timeline in path, and its spans other than runs.
func printChart(path string, width int) error {
	tl, err := readTimeline(path)
	if err != nil {
		return err
	}
	fmt.Print(scheduler.Chart(tl, width), busy(tl))
	for _, s := range tl.Spans {
		if s.Kind != scheduler.SpanRuns {
			fmt.Printf("  %-8s %-48s cores %v  %7.1f → %7.1f s\n", s.Kind, s.What, s.Cores, s.StartMS/1000, s.EndMS/1000)
		}
	}
	return nil
}

// checkSameOutcomes says which cells' outcomes differ between the sides.
func checkSameOutcomes(sides []*side) {
	base := outcomes(sides[0].res)
	for _, s := range sides[1:] {
		var differ []string
		for id, o := range outcomes(s.res) {
			if base[id] != o {
				differ = append(differ, fmt.Sprintf("%s: %s vs %s", id, base[id], o))
			}
		}
		slices.Sort(differ)
		fmt.Printf("\noutcomes, %s vs %s: %d cells differ\n", s.name, sides[0].name, len(differ))
		for _, d := range differ {
			fmt.Println("  " + d)
		}
	}
}

func outcomes(r *results.Results) map[string]string {
	m := map[string]string{}
	for _, c := range r.Cells {
		m[c.ID()] = c.Outcome
	}
	return m
}

// busy sums the timeline's work by kind, in core-seconds, and the idle
// core time.
func busy(d *scheduler.TimelineData) string {
	byKind := map[string]float64{}
	end := 0.0
	for _, s := range d.Spans {
		byKind[s.Kind] += (s.EndMS - s.StartMS) / 1000 * float64(max(len(s.Cores), 1))
		end = max(end, s.EndMS)
	}
	var used float64
	parts := []string{}
	for _, k := range []string{scheduler.SpanVariant, scheduler.SpanBuild, scheduler.SpanRuns} {
		used += byKind[k]
		parts = append(parts, fmt.Sprintf("%s %.0f", k, byKind[k]))
	}
	idle := end/1000*float64(d.Cores) - used
	return fmt.Sprintf("core-seconds: %s, idle %.0f (of %.0f); downloads %.0f s in all\n", strings.Join(parts, ", "), idle, end/1000*float64(d.Cores), byKind[scheduler.SpanFetch])
}
