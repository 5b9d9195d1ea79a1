// Command compare prints the figures of bench/peer.sh: medians of the
// runner's and the peer loop's wall time, CPU time and peak memory, their
// ratios, the lower bound of the matrix and every outcome checked against
// the reference run.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

type key struct{ root, cas, p, d, e string }

func cellKey(c results.Cell) key {
	p := strconv.Itoa(c.GOMAXPROCS)
	return key{filepath.Base(c.Selector), c.Case, p, c.GODEBUG, c.GOEXPERIMENT}
}

type timing struct{ wall, cpu, rssMB float64 }

func main() {
	dir := flag.String("dir", "", "the benchmark's work directory")
	runs := flag.Int("runs", 3, "runs of each side")
	timeout := flag.Float64("timeout", 2, "the run timeout, seconds")
	flag.Parse()

	ref, err := results.Read(filepath.Join(*dir, "reference", "results.json"))
	check(err)
	want := map[key]string{}
	hangs := 0
	for _, c := range ref.Cells {
		want[cellKey(c)] = c.Outcome
		if c.Outcome == results.Hang {
			hangs++
		}
		if c.Flaky {
			fmt.Printf("note: reference cell %s is flaky (%v)\n", c.ID(), c.Counts)
		}
	}

	var rt, pt []timing
	var buildCPU []float64
	runnerWrong, peerWrong := []string{}, []string{}
	for i := 1; i <= *runs; i++ {
		rt = append(rt, readTime(filepath.Join(*dir, fmt.Sprintf("runner-%d.time", i))))
		pt = append(pt, readTime(filepath.Join(*dir, fmt.Sprintf("peer-%d.time", i))))
		r, err := results.Read(filepath.Join(*dir, fmt.Sprintf("out-%d", i), "results.json"))
		check(err)
		buildCPU = append(buildCPU, r.Stats.BuildCPUMS/1000)
		if len(r.Cells) != len(want) {
			runnerWrong = append(runnerWrong, fmt.Sprintf("run %d: %d cells, want %d", i, len(r.Cells), len(want)))
		}
		for _, c := range r.Cells {
			if w := want[cellKey(c)]; w != c.Outcome {
				runnerWrong = append(runnerWrong, fmt.Sprintf("run %d: %s: %s, reference %s", i, c.ID(), c.Outcome, w))
			}
		}
		peerWrong = append(peerWrong, comparePeer(filepath.Join(*dir, fmt.Sprintf("peer-%d.txt", i)), i, want)...)
	}

	cores := float64(runtime.NumCPU())
	med := func(ts []timing, f func(timing) float64) float64 {
		v := make([]float64, len(ts))
		for i, t := range ts {
			v[i] = f(t)
		}
		return median(v)
	}
	rw, pw := med(rt, func(t timing) float64 { return t.wall }), med(pt, func(t timing) float64 { return t.wall })
	rc, pc := med(rt, func(t timing) float64 { return t.cpu }), med(pt, func(t timing) float64 { return t.cpu })
	rm, pm := med(rt, func(t timing) float64 { return t.rssMB }), med(pt, func(t timing) float64 { return t.rssMB })
	bcpu := median(buildCPU)
	lower := float64(hangs)**timeout/cores + bcpu/cores

	fmt.Printf("\n%d cells, %d of them hang in the reference run; %d cores; medians of %d runs each\n\n", len(want), hangs, int(cores), *runs)
	fmt.Printf("%-22s %10s %10s %10s\n", "", "runner", "peer loop", "peer/runner")
	fmt.Printf("%-22s %9.2fs %9.2fs %9.1f×\n", "wall time", rw, pw, pw/rw)
	fmt.Printf("%-22s %9.2fs %9.2fs %9.1f×\n", "CPU time (user+sys)", rc, pc, pc/rc)
	fmt.Printf("%-22s %8.1fMB %8.1fMB\n", "peak RSS (one process)", rm, pm)
	fmt.Printf("\nlower bound: %d hangs × %gs ÷ %d cores + build CPU %.2fs ÷ %d cores = %.2fs\n", hangs, *timeout, int(cores), bcpu, int(cores), lower)
	fmt.Printf("runner / lower bound: %.2f×\n", rw/lower)
	fmt.Printf("\noutcomes wrong against the reference: runner %d of %d, peer loop %d of %d\n", len(runnerWrong), *runs*len(want), len(peerWrong), *runs*len(want))
	for _, w := range runnerWrong {
		fmt.Println("  runner:", w)
	}
	for i, w := range peerWrong {
		if i == 20 {
			fmt.Printf("  peer: … and %d more\n", len(peerWrong)-20)
			break
		}
		fmt.Println("  peer:", w)
	}
}

// comparePeer checks the peer loop's lines
// ("<goroot-name> <case> P=1 D= E= hang") against the reference.
func comparePeer(path string, run int, want map[key]string) []string {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	var wrong []string
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 6 {
			continue
		}
		n++
		k := key{fs[0], fs[1], strings.TrimPrefix(fs[2], "P="), strings.TrimPrefix(fs[3], "D="), strings.TrimPrefix(fs[4], "E=")}
		if w := want[k]; w != fs[5] {
			wrong = append(wrong, fmt.Sprintf("run %d: %s %s P=%s D=%s E=%s: %s, reference %s", run, k.cas, k.root, k.p, k.d, k.e, fs[5], w))
		}
	}
	if n != len(want) {
		wrong = append(wrong, fmt.Sprintf("run %d: %d lines, want %d", run, n, len(want)))
	}
	return wrong
}

// readTime reads GNU time's "-f '%e %U %S %M'" output.
func readTime(path string) timing {
	data, err := os.ReadFile(path)
	check(err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	fs := strings.Fields(lines[len(lines)-1])
	if len(fs) != 4 {
		check(fmt.Errorf("%s: unexpected %q", path, data))
	}
	v := make([]float64, 4)
	for i, s := range fs {
		v[i], err = strconv.ParseFloat(s, 64)
		check(err)
	}
	return timing{wall: v[0], cpu: v[1] + v[2], rssMB: v[3] / 1024}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}
