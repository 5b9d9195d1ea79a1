package shard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
)

// Hash returns the hash of a resolved matrix: every cell, in matrix order,
// with everything that decides its result — case files and settings,
// resolved Go version, GOMAXPROCS, GODEBUG, GOEXPERIMENT, env, timeouts,
// repeats — and the matrix's goexperiment_rebuild. Runs and shards of one
// matrix share it; gomatrix merge refuses to mix results that do not.
//
// It leaves out what differs between machines running the same matrix:
// where toolchains and the matrix file are installed, and line endings in
// case files (a Windows checkout may turn LF into CRLF).
func Hash(m *matrix.Matrix, cells []*matrix.Cell) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gomatrix resolved matrix 1\nrebuild %t\n", m.GOEXPERIMENTRebuild)
	digests := map[*matrix.Case]string{}
	for _, c := range cells {
		d, ok := digests[c.Case]
		if !ok {
			var err error
			if d, err = caseDigest(c.Case); err != nil {
				return "", err
			}
			digests[c.Case] = d
		}
		env := slices.Clone(c.Env)
		slices.Sort(env)
		fmt.Fprintf(h, "cell %s\n\tcase %s\n\tenv %q\n\ttimeout %s build %s repeat %d\n", CellKey(c), d, env, c.Timeout, c.BuildTimeout, c.Repeat)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SourceHash returns the hash of a matrix as written — its settings and
// every case's files and case.yaml — and of the -only filter it was run
// with: what every platform running it shares, before toolchains are
// resolved (a platform may lack releases another has: darwin/arm64 starts
// at go1.16). Results of one matrix run on several platforms share it,
// while their Hash differs.
func SourceHash(m *matrix.Matrix, cases []*matrix.Case, only matrix.Filter) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gomatrix matrix source 1\nversions %q\ngomaxprocs %v\ngodebug %q\ngoexperiment %q\n",
		m.Versions, m.GOMAXPROCS, m.GODEBUG, m.GOEXPERIMENT)
	if m.HasGoLineAxis() {
		fmt.Fprintf(h, "go_line %q\n", m.GoLine)
	}
	env := slices.Clone(m.Env)
	slices.Sort(env)
	fmt.Fprintf(h, "timeout %s build %s repeat %d rebuild %t env %q\n", m.Timeout, m.BuildTimeout, m.Repeat, m.GOEXPERIMENTRebuild, env)
	for _, ex := range m.Exclude {
		fmt.Fprintf(h, "exclude %v\n", map[string]string(ex)) // fmt sorts map keys
	}
	for _, inc := range m.Include {
		fmt.Fprintf(h, "include %v %q %s\n", map[string]string(inc.Match), inc.Env, inc.Timeout)
	}
	for _, c := range cases {
		d, err := caseDigest(c)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "case %s\n", d)
	}
	keys := slices.Sorted(maps.Keys(only))
	for _, k := range keys {
		vals := slices.Clone(only[k])
		slices.Sort(vals)
		fmt.Fprintf(h, "only %s %q\n", k, vals)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// caseDigest hashes a case's files and case.yaml settings, with CRLF
// read as LF.
func caseDigest(c *matrix.Case) (string, error) {
	h := sha256.New()
	complete := "exit"
	if c.CompleteOn != nil {
		complete = c.CompleteOn.String()
	}
	fmt.Fprintf(h, "%s %q %q %q %q %q %q %t\n", c.Name, complete, c.CompleteStream, c.Go.String(), c.Args, c.Tags, c.Env, c.HasGoMod)
	for _, f := range c.Files { // slash-separated and sorted on every OS
		data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(f)))
		if err != nil {
			return "", fmt.Errorf("hash case %s: %w", c.Name, err)
		}
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		fmt.Fprintf(h, "file %s %d\n", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
