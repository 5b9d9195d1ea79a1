package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/loadavg"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// rep is one timed repetition of one side.
type rep struct {
	wall time.Duration
	cpu  time.Duration // user+system time of the process and the processes it waited for
	counts
	load     string   // load averages when it ended
	problems []string // failed checks: cells not complete, builds failed
}

// netEnv is the environment of both sides: the user's, with the counting
// proxy as GOPROXY and the public checksum database, reached through it.
func (b *bench) netEnv(extra ...string) []string {
	env := append(os.Environ(), "GOPROXY="+b.proxy.URL(), "GOSUMDB=sum.golang.org",
		"GONOSUMDB=", "GOPRIVATE=", "GONOPROXY=", "GOINSECURE=")
	return append(env, extra...)
}

// timed runs cmd and returns a rep with its wall time, the proxy's counts
// and its combined output.
func (b *bench) timed(cmd *exec.Cmd) (rep, []byte, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	b.proxy.take() // drop anything counted before
	start := time.Now()
	err := cmd.Run()
	r := rep{wall: time.Since(start), counts: b.proxy.take(), load: loadavg.Averages()}
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime()
	}
	return r, out.Bytes(), err
}

// runRunner is one repetition of the runner: a fresh GOMATRIX_CACHE, the
// matrix's cells built and run, results.json checked.
func (b *bench) runRunner(i int) rep {
	cache := filepath.Join(b.tmp, fmt.Sprintf("runner-cache-%d", i))
	out := filepath.Join(b.tmp, fmt.Sprintf("out-%d", i))
	defer removeAll(cache)
	cmd := exec.Command(b.runner, "run", "-f", b.matrix, "-o", out, "-q", "-rerun")
	// GOMATRIX_OFFLINE=1 only forbids toolchain downloads: the toolchains
	// are named by GOROOT and installed; module downloads still use GOPROXY.
	cmd.Env = b.netEnv("GOMATRIX_CACHE="+cache, "GOMATRIX_OFFLINE=1")
	r, output, err := b.timed(cmd)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("runner exited: %v\n%s", err, indent(output)))
	}
	r.problems = append(r.problems, checkCells(filepath.Join(out, "results.json"), len(b.tcs))...)
	return r
}

// checkCells reports every cell of results.json that did not complete,
// and a count of cells other than want.
func checkCells(path string, want int) []string {
	res, err := results.Read(path)
	if err != nil {
		return []string{err.Error()}
	}
	var p []string
	if !res.Complete || len(res.Cells) != want {
		p = append(p, fmt.Sprintf("results.json: complete=%v, %d cells, want %d", res.Complete, len(res.Cells), want))
	}
	for _, c := range res.Cells {
		if c.Outcome != results.Complete {
			p = append(p, fmt.Sprintf("cell %s: %s %s\n%s", c.ID(), c.Outcome, c.Reason, indent([]byte(c.BuildOutput))))
		}
	}
	return p
}

// runPeer is one repetition of peer-build-loop.sh: each toolchain in
// turn, with fresh caches, builds the case.
func (b *bench) runPeer(i int) rep {
	work := filepath.Join(b.tmp, fmt.Sprintf("peer-%d", i))
	defer removeAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return rep{problems: []string{err.Error()}}
	}
	args := []string{filepath.Join(b.dir, "peer-build-loop.sh"), work, b.caseDir}
	for _, t := range b.tcs {
		args = append(args, t.GOROOT)
	}
	cmd := exec.Command("bash", args...)
	cmd.Env = b.netEnv()
	r, output, err := b.timed(cmd)
	if ok := strings.Count("\n"+string(output), "\nok "); err != nil || ok != len(b.tcs) {
		r.problems = append(r.problems, fmt.Sprintf("peer: %d of %d builds ok (%v)\n%s", ok, len(b.tcs), err, indent(output)))
	}
	return r
}

func indent(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
