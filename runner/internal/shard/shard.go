// Package shard splits a matrix's cells into shards that run on separate
// machines — the jobs of a GitHub Actions matrix — and merges the shards'
// results back into one.
//
// Planning is pure and deterministic: the plan job ('gomatrix plan') and
// every shard job ('gomatrix run -shard i/N') expand the same matrix and
// call New with the same inputs, so each shard job re-derives exactly the
// cells the plan gave it, without the plan having to travel. A plan's ID
// (a hash of the assignment) lets a shard job check that it did.
//
// A plan keeps the cells of one toolchain together (a toolchain is a
// ~100 MB download, and its first build compiles std) and balances the
// shards by expected cost: the runs a cell makes (a hang costs its whole
// timeout), weighted by the share of the machine's cores it takes, plus
// the downloads and builds a shard needs.
//
// Merging checks that every input is of the same matrix (SourceHash) and,
// among the inputs of one platform, of the same resolved matrix (Hash),
// reports cells that are missing or given twice, and keeps the host of
// each cell when the shards ran on different operating systems.
package shard

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// MaxJobs is the most jobs a GitHub Actions matrix may have.
const MaxJobs = 256

// A Spec names one shard of a plan: shard Index of Count, 1-based, as
// written on the command line ("2/8").
type Spec struct{ Index, Count int }

// ParseSpec parses "i/N" (1 ≤ i ≤ N ≤ MaxJobs).
func ParseSpec(s string) (Spec, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("shard %q: want i/N, such as 2/8\nhint: gomatrix plan prints each job's value", s)
	}
	if n < 1 || n > MaxJobs || i < 1 || i > n {
		return Spec{}, fmt.Errorf("shard %q: want 1 ≤ i ≤ N ≤ %d", s, MaxJobs)
	}
	return Spec{Index: i, Count: n}, nil
}

func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Key identifies a cell within a matrix: "busyloop go1.14.15 P=1 D=– E=– [>=1.13]".
// The same cell has the same key before it runs (CellKey) and in the
// results (ResultKey); the selector tells apart cells whose toolchain
// could not be resolved.
//
// A key is not a cell's name (results.Cell.ID, which leaves unset
// settings out): it names every setting, "–" when unset, as it always
// has, since plan IDs and matrix hashes (Hash) are made of keys and
// results.json files list them (results.Shard.Cells) — a key spelled
// otherwise would orphan every plan and shard run so far.
func Key(caseName, selector, goVersion string, procs int, godebug, goexperiment, goLine string) string {
	v := goVersion
	if v == "" {
		v = "?"
	}
	p := "–"
	if procs > 0 {
		p = strconv.Itoa(procs)
	}
	l := ""
	if goLine != "" {
		l = " L=" + goLine
	}
	return fmt.Sprintf("%s %s P=%s D=%s E=%s%s [%s]", caseName, v, p, dash(godebug), dash(goexperiment), l, selector)
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// CellKey is the Key of a matrix cell.
func CellKey(c *matrix.Cell) string {
	return Key(c.Case.Name, c.Toolchain.Selector, c.Toolchain.Version, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLine)
}

// ResultKey is the Key of a result cell.
func ResultKey(c *results.Cell) string {
	return Key(c.Case, c.Selector, c.Go, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis)
}

// looseKey is a cell's key without its resolved version: a previous run's
// cell still says something about a cost when "stable" has moved on.
func looseKey(caseName, selector string, procs int, godebug, goexperiment, goLine string) string {
	return Key(caseName, selector, "*", procs, godebug, goexperiment, goLine)
}

// needsDownload reports whether a toolchain selector names a release to
// fetch, rather than a Go already on the machine (local, a GOROOT path).
// It looks at the selector, not at what this machine has cached, so the
// plan job and the shard jobs agree.
func needsDownload(selector, version string) bool {
	return version != "" && selector != "local" && !filepath.IsAbs(selector) && !isWindowsAbs(selector)
}

// isWindowsAbs reports whether s is an absolute Windows path ("C:\go",
// "C:/go"), whatever the OS planning.
func isWindowsAbs(s string) bool {
	return len(s) >= 3 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') &&
		('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z')
}
