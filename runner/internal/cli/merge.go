package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/pipeline"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/settings"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

const mergeUsage = `usage: gomatrix merge [-o results] [-f matrix.yaml] [-fail-on conditions] RESULTS...

Merge merges the results.json of the shards of a plan (run -shard) into
one, and renders it as run does: DIR/results.json, DIR/results.md and
DIR/index.html. A RESULTS argument is a results.json or a directory
searched for them (as download-artifact leaves them: shards/*/results.json).

Every input must be of the same resolved matrix (the same cells, cases
and Go versions: its matrix_hash); otherwise nothing is written. Cells a
shard was to run and no input gave, shards of which nothing was given,
and cells given twice are listed; the merged results are then marked
incomplete (missing cells), and the exit status is 1.

Results of several hosts (the same plan run on ubuntu, macOS and Windows
runners) merge with the OS as an axis: each cell records its "os".

Claims are evaluated again over the merged cells, from the matrix file
(-f): a shard only saw its own cells. -fail-on then applies to the
merged results as it does to a run's.

Exit status: 0 merged; 1 merged, but cells are missing or duplicated,
or the merged results meet a -fail-on condition (each is listed); 2 bad
usage, an unreadable input, or inputs of different matrices.

Flags:
`

// cmdMerge implements 'gomatrix merge': see mergeUsage.
func cmdMerge(ctx context.Context, e *Env, args []string) error {
	fls := flag.NewFlagSet("merge", flag.ContinueOnError)
	outDir := fls.String("o", "", "write results.json, results.md and index.html to this `dir`ectory (default: results beside the matrix file)")
	file := fls.String("f", "matrix.yaml", "the matrix `file`, for its claims")
	policy := addFailOnFlags(fls)
	fls.Usage = func() { fmt.Fprint(fls.Output(), mergeUsage); fls.PrintDefaults() }
	if err := e.parseFlags(fls, args); err != nil {
		return err
	}
	if fls.NArg() == 0 {
		return usagef("no results given\nhint: gomatrix merge -o results shards/*/results.json")
	}
	if *outDir == "" {
		*outDir = filepath.Join(filepath.Dir(*file), "results")
	}
	if err := policy.load(); err != nil {
		return err
	}
	mg, err := readAndMerge(fls.Args())
	if err != nil {
		return &usageError{err}
	}
	if err := mergeClaims(e, mg, *file, *outDir, isSet(fls, "f")); err != nil {
		return err
	}
	unlock, err := pipeline.LockOutput(*outDir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := writeMerged(*outDir, mg); err != nil {
		return err
	}
	printMerge(e.Stderr, mg, *outDir)
	return errors.Join(mergeError(mg), applyWritten(e, policy, *outDir))
}

// mergeError is the error of a merge that wrote its results: cells or
// shards missing, or cells given twice.
func mergeError(mg *shard.Merged) error {
	if n := mg.Problems(); n > 0 {
		return fmt.Errorf("%s missing or given twice (listed above); the merged results are marked incomplete", plural(n, "shard or cell"))
	}
	return nil
}

// applyWritten applies the policy p to the results written in dir, as
// they are written (the cells of several hosts with their OS).
func applyWritten(e *Env, p *failOn, dir string) error {
	r, err := results.Read(filepath.Join(dir, "results.json"))
	if err != nil {
		return err
	}
	return p.apply(e.Stderr, r)
}

// readAndMerge reads the results named by args and merges them.
func readAndMerge(args []string) (*shard.Merged, error) {
	paths, err := mergeInputs(args)
	if err != nil {
		return nil, err
	}
	var inputs []*shard.Input
	for _, p := range paths {
		in, err := shard.ReadInput(p)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, in)
	}
	return shard.Merge(inputs)
}

// mergeClaims evaluates the claims of the matrix file again over every
// merged cell (a shard only saw its own), as a run does, and records the
// file as results written to dir do. Without the file (not named with
// -f, and no matrix.yaml here), a merge of several results has no
// claims.
func mergeClaims(e *Env, mg *shard.Merged, file, dir string, named bool) error {
	m, err := pipeline.LoadMatrix(file)
	switch {
	case err == nil:
		if why := sameMatrix(m, mg.Results); why != "" {
			return usagef("-f %s is not the matrix the results are of: %s\nhint: name it with -f", file, why)
		}
		pipeline.Evaluate(mg.Results, m.Claims)
		mg.Results.Matrix.File = pipeline.MatrixFile(file, dir)
		return nil
	case named || !errors.Is(err, fs.ErrNotExist):
		return err
	}
	settings.CheckInert(mg.Results.Cells) // a cell and its sibling may have run in different shards
	if len(mg.Inputs) > 1 {
		mg.Results.Claims = nil
		fmt.Fprintf(e.Stderr, "note: no %s: claims are not evaluated (name the matrix with -f)\n", file)
	}
	return nil
}

// mergeInputs expands directories into the results.json files under them.
func mergeInputs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() == "results.json" {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no results.json under it", a)
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}

// sameMatrix says why m cannot be the matrix r ran, or "".
func sameMatrix(m *matrix.Matrix, r *results.Results) string {
	if a, b := fmt.Sprint(m.Versions), fmt.Sprint(r.Matrix.Versions); a != b {
		return "versions " + a + ", the results' " + b
	}
	for _, x := range [][2]string{
		{fmt.Sprint(m.GOMAXPROCS), fmt.Sprint(r.Matrix.GOMAXPROCS)},
		{fmt.Sprintf("%q", m.GODEBUG), fmt.Sprintf("%q", r.Matrix.GODEBUG)},
		{fmt.Sprintf("%q", m.GOEXPERIMENT), fmt.Sprintf("%q", r.Matrix.GOEXPERIMENT)},
	} {
		if x[0] != x[1] {
			return "settings " + x[0] + ", the results' " + x[1]
		}
	}
	return ""
}

// writeMerged writes the merged results.json and its renderings, where
// the OS is an axis of the rows when the results come from several
// hosts; each host's results and renderings also go to DIR/<goos>-<goarch>/.
func writeMerged(dir string, mg *shard.Merged) error {
	data, err := mg.Marshal()
	if err != nil {
		return err
	}
	if err := results.WriteFile(filepath.Join(dir, "results.json"), data); err != nil {
		return err
	}
	if perHost := mg.ByHost(); len(perHost) > 1 {
		for _, r := range perHost {
			sub := filepath.Join(dir, strings.ReplaceAll(shard.HostName(r.Host), "/", "-"))
			if err := pipeline.Write(sub, r); err != nil {
				return err
			}
		}
	}
	return pipeline.WriteRenderings(dir, mg.Results)
}

// printMerge says what was merged and what is wrong with it.
func printMerge(w io.Writer, mg *shard.Merged, dir string) {
	hosts := map[string]int{}
	for _, in := range mg.Inputs {
		hosts[in.Host]++
	}
	var parts []string
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		parts = append(parts, fmt.Sprintf("%d from %s", hosts[h], h))
	}
	fmt.Fprintf(w, "merged %d results (%s) of matrix %s: %d cells: %s\n", len(mg.Inputs), strings.Join(parts, ", "), hashPrefix(mg.MatrixHash), len(mg.Results.Cells), summary(mg.Results.Cells))
	list := func(what string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%d %s:\n", len(items), what)
		const show = 20
		for i, s := range items {
			if i == show {
				fmt.Fprintf(w, "\t... and %d more (listed in %s)\n", len(items)-show, filepath.Join(dir, "results.json"))
				break
			}
			fmt.Fprintf(w, "\t%s\n", s)
		}
	}
	list("shards missing", mg.MissingShards)
	list("cells missing", mg.Missing)
	list("cells given twice (the first kept)", mg.Duplicates)
	fmt.Fprintf(w, "wrote %s\n", filesIn(dir))
}

// hashPrefix shortens a hash for people: 12 hex digits tell matrices apart.
func hashPrefix(h string) string { return h[:min(len(h), 12)] }
