package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/loadavg"
)

// printSetup prints the machine, the toolchains and the case.
func (b *bench) printSetup(w io.Writer, n int) {
	fmt.Fprintf(w, "machine: %s/%s, %d cores\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(w, "toolchains (%d):\n", len(b.tcs))
	for _, t := range b.tcs {
		fmt.Fprintf(w, "  %-10s %s\n", t.Version, t.GOROOT)
	}
	fmt.Fprintf(w, "case: %s, requires %s\n", b.caseDir, strings.Join(b.required, ", "))
	fmt.Fprintf(w, "proxy: %s -> %s (counting zip requests; /sumdb/ forwarded too)\n", b.proxy.URL(), upstream)
	fmt.Fprintf(w, "repetitions: %d of each side, runner then peer; load average at start: %s\n\n", n, loadavg.Averages())
}

// printTimes prints a side's wall time per repetition, with its CPU
// time, the bytes of its zips and the time their requests took at the
// proxy (summed), and the machine's load, then min/median/max of the
// wall times; it returns the medians of the wall and CPU times.
func printTimes(w io.Writer, name string, reps []rep) (wall, cpu time.Duration) {
	var ds, cs []time.Duration
	for i, r := range reps {
		ds, cs = append(ds, r.wall), append(cs, r.cpu)
		fmt.Fprintf(w, "%-6s repetition %d: wall %6s  cpu %6s  zips %4.1f MB in %4dms  load average after: %s\n",
			name, i+1, secs(r.wall), secs(r.cpu), float64(r.zipBytes)/1e6, r.zipTime.Milliseconds(), r.load)
	}
	slices.Sort(ds)
	slices.Sort(cs)
	fmt.Fprintf(w, "%-6s wall: min %s  median %s  max %s;  cpu median %s\n\n",
		name, secs(ds[0]), secs(median(ds)), secs(ds[len(ds)-1]), secs(median(cs)))
	return median(ds), median(cs)
}

// median of sorted ds.
func median(ds []time.Duration) time.Duration {
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return (ds[n/2-1] + ds[n/2]) / 2
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// modules returns the required modules, then any other module a
// repetition downloaded, sorted.
func (b *bench) modules(sides ...[]rep) []string {
	mods := slices.Clone(b.required)
	var extra []string
	for _, reps := range sides {
		for _, r := range reps {
			for m := range r.zips {
				if !slices.Contains(mods, m) && !slices.Contains(extra, m) {
					extra = append(extra, m)
				}
			}
		}
	}
	slices.Sort(extra)
	return append(mods, extra...)
}

// printZips prints the zip downloads per module and repetition.
func printZips(w io.Writer, mods []string, runner, peer []rep) {
	const other = "(proxy requests of any kind)"
	width := len(other)
	for _, m := range mods {
		width = max(width, len(m))
	}
	fmt.Fprintf(w, "zip downloads per module (each repetition):\n")
	fmt.Fprintf(w, "  %-*s  %-12s %s\n", width, "module", "runner", "peer")
	for _, m := range mods {
		fmt.Fprintf(w, "  %-*s  %-12s %s\n", width, m, zipCounts(runner, m), zipCounts(peer, m))
	}
	fmt.Fprintf(w, "  %-*s  %-12s %s\n", width, other, requests(runner), requests(peer))
}

func zipCounts(reps []rep, mod string) string {
	var s []string
	for _, r := range reps {
		s = append(s, fmt.Sprint(r.zips[mod]))
	}
	return strings.Join(s, " ")
}

func requests(reps []rep) string {
	var s []string
	for _, r := range reps {
		s = append(s, fmt.Sprint(r.requests))
	}
	return strings.Join(s, " ")
}

// eachModule reports whether every repetition downloaded every module of
// mods exactly want times.
func eachModule(reps []rep, mods []string, want int) bool {
	for _, r := range reps {
		for _, m := range mods {
			if r.zips[m] != want {
				return false
			}
		}
	}
	return true
}

// printChecks prints the failed checks of each side, and returns whether
// there were none.
func printChecks(w io.Writer, name, what string, reps []rep) bool {
	ok := true
	for i, r := range reps {
		for _, p := range r.problems {
			fmt.Fprintf(w, "  %s repetition %d: %s\n", name, i+1, p)
			ok = false
		}
	}
	fmt.Fprintf(w, "check: %s: %s\n", what, verdict(ok, "ok", "FAILED"))
	return ok
}

// target prints a target line and whether it was met.
func target(w io.Writer, what string, met bool) {
	fmt.Fprintf(w, "target: %s: %s\n", what, verdict(met, "target met", "target missed"))
}

func verdict(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}
