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

	"gomatrix/runner/internal/claim"
	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/results"
	"gomatrix/runner/internal/shard"
)

const mergeUsage = `usage: runner merge [-o results] [-f matrix.yaml] RESULTS...

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
(-f): a shard only saw its own cells.

Exit status: 0 merged; 1 merged, but cells are missing or duplicated;
2 bad usage, an unreadable input, or inputs of different matrices.

Flags:
`

func cmdMerge(ctx context.Context, e *Env, args []string) int {
	fls := flag.NewFlagSet("merge", flag.ContinueOnError)
	fls.SetOutput(e.Stderr)
	outDir := fls.String("o", "results", "write results.json, results.md and index.html to this `dir`ectory")
	file := fls.String("f", "matrix.yaml", "the matrix `file`, for its claims")
	fls.Usage = func() { fmt.Fprint(fls.Output(), mergeUsage); fls.PrintDefaults() }
	if err := fls.Parse(args); err != nil {
		return flagExit(err)
	}
	fileSet := false
	fls.Visit(func(f *flag.Flag) { fileSet = fileSet || f.Name == "f" })
	if fls.NArg() == 0 {
		fmt.Fprintf(e.Stderr, "runner merge: no results given\nhint: runner merge -o results shards/*/results.json\n")
		return ExitUsage
	}
	paths, err := mergeInputs(fls.Args())
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner merge: %v\n", err)
		return ExitUsage
	}
	var inputs []*shard.Input
	for _, p := range paths {
		in, err := shard.ReadInput(p)
		if err != nil {
			fmt.Fprintf(e.Stderr, "runner merge: %v\n", err)
			return ExitUsage
		}
		inputs = append(inputs, in)
	}
	mg, err := shard.Merge(inputs)
	if err != nil {
		fmt.Fprintf(e.Stderr, "runner merge: %v\n", err)
		return ExitUsage
	}

	// Claims, over every cell at once.
	m, err := matrix.Load(*file)
	switch {
	case err == nil:
		if why := sameMatrix(m, mg.Results); why != "" {
			fmt.Fprintf(e.Stderr, "runner merge: -f %s is not the matrix the results are of: %s\nhint: name it with -f\n", *file, why)
			return ExitUsage
		}
		mg.Results.Claims = claim.Evaluate(m.Claims, mg.Results.Cells)
	case fileSet || !errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.Stderr, "%v\n", err)
		return ExitUsage
	case len(inputs) > 1:
		mg.Results.Claims = nil
		fmt.Fprintf(e.Stderr, "note: no %s: claims are not evaluated (name the matrix with -f)\n", *file)
	}

	if err := writeMerged(*outDir, mg); err != nil {
		fmt.Fprintf(e.Stderr, "runner merge: %v\n", err)
		return ExitFailure
	}
	printMerge(e.Stderr, mg, *outDir)
	if mg.Problems() > 0 {
		return ExitFailure
	}
	return ExitOK
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
			if err := writeResults(sub, r); err != nil {
				return err
			}
		}
	}
	return writeRenderings(dir, mg.Results)
}

// writeRenderings writes results.md and index.html of r into dir.
func writeRenderings(dir string, r *results.Results) error {
	md, err := render(r)
	if err != nil {
		return err
	}
	if err := results.WriteFile(filepath.Join(dir, "results.md"), md); err != nil {
		return err
	}
	page, err := renderFormat("html", r)
	if err != nil {
		return err
	}
	return results.WriteFile(filepath.Join(dir, "index.html"), page)
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
	fmt.Fprintf(w, "wrote %s, %s and %s\n", filepath.Join(dir, "results.json"), filepath.Join(dir, "results.md"), filepath.Join(dir, "index.html"))
}

// hashPrefix shortens a hash for people: 12 hex digits tell matrices apart.
func hashPrefix(h string) string { return h[:min(len(h), 12)] }
