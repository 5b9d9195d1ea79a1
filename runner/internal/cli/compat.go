package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	pathpkg "path"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/module"
	"gopkg.in/yaml.v3"
)

const compatUsage = `usage: gomatrix compat [-versions SEL]... [-gomaxprocs N,N] [-packages PATTERN] [-o DIR] MODULE@VERSION

Writes a matrix for the tests of a published module version — the release
zip, fetched through the module proxy and verified — and runs it: every
package the pattern matches, on every toolchain the versions select, with
each GOMAXPROCS. DIR gets the matrix (matrix.yaml, NAME/case.yaml), so the
run can be repeated or edited, and the usual results files. The summary
states the minimum Go the module's go.mod declares beside the one its tests
observed (see docs/tests.md).

Example:
	gomatrix compat -versions '>=1.18' github.com/google/go-cmp@v0.7.0

Flags:
`

// compatFlags are the flags of 'gomatrix compat'.
type compatFlags struct {
	versions   []string
	gomaxprocs string
	packages   string
	out        string
	bisect     bool
	mod        module.Version
}

// cmdCompat implements 'gomatrix compat': it writes the matrix of a module
// version's tests and runs it as 'gomatrix run' does.
func cmdCompat(ctx context.Context, e *Env, args []string) error {
	f, err := parseCompatFlags(e, args)
	if err != nil {
		return err
	}
	matrixFile, err := f.write()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "wrote %s\n", matrixFile)
	return cmdRun(ctx, e, []string{"-f", matrixFile, "-o", f.out, "-bisect-minimum=" + strconv.FormatBool(f.bisect)})
}

func parseCompatFlags(e *Env, args []string) (*compatFlags, error) {
	f := &compatFlags{}
	fs := flag.NewFlagSet("compat", flag.ContinueOnError)
	fs.Func("versions", "toolchains to test on, a `selector` as in matrix.yaml (repeatable; default >=1.13)", func(s string) error {
		f.versions = append(f.versions, s)
		return nil
	})
	fs.StringVar(&f.gomaxprocs, "gomaxprocs", "1,2", "GOMAXPROCS values, `N,N`")
	fs.StringVar(&f.packages, "packages", "./...", "the module's packages to test, a `pattern`")
	fs.BoolVar(&f.bisect, "bisect", true, "when the versions leave minors untried below the observed minimum, bisect them (fetching only the toolchains probed)")
	fs.StringVar(&f.out, "o", "", "the `dir`ectory for the matrix and the results (default compat/PATH@VERSION)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), compatUsage); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, usagef("want one MODULE@VERSION, found %d arguments\nhint: gomatrix compat github.com/google/go-cmp@v0.7.0", fs.NArg())
	}
	path, version, _ := strings.Cut(fs.Arg(0), "@")
	if err := module.Check(path, version); err != nil {
		return nil, usagef("%s: %v\nhint: name an exact version, as in github.com/google/go-cmp@v0.7.0", fs.Arg(0), err)
	}
	f.mod = module.Version{Path: path, Version: version}
	if len(f.versions) == 0 {
		f.versions = []string{">=1.13"}
	}
	if f.out == "" {
		f.out = filepath.Join("compat", strings.ReplaceAll(path, "/", "_")+"@"+version)
	}
	return f, nil
}

// write writes the matrix and its one case into f.out and returns the
// matrix file's path. Values go through YAML encoding, never string
// pasting, so a selector or pattern cannot change the file's structure.
func (f *compatFlags) write() (string, error) {
	name := caseName(f.mod.Path)
	caseDir := filepath.Join(f.out, name)
	if err := os.MkdirAll(caseDir, 0o755); err != nil {
		return "", err
	}
	procs, err := parseInts(f.gomaxprocs)
	if err != nil {
		return "", usagef("-gomaxprocs %q: %v", f.gomaxprocs, err)
	}
	c := map[string]any{"description": "the tests of " + f.mod.String() + ", as published", "module": f.mod.String(), "kind": "test", "packages": f.packages}
	m := map[string]any{"versions": f.versions, "gomaxprocs": procs, "cases": []string{name}, "timeout": "5m"}
	for file, v := range map[string]any{filepath.Join(caseDir, "case.yaml"): c, filepath.Join(f.out, "matrix.yaml"): m} {
		data, err := yaml.Marshal(v)
		if err == nil {
			err = os.WriteFile(file, data, 0o644)
		}
		if err != nil {
			return "", err
		}
	}
	return filepath.Join(f.out, "matrix.yaml"), nil
}

// caseName names the case after the module's last path element, its
// major version suffix left out: "go-cmp", "yaml" for gopkg.in/yaml.v3.
func caseName(path string) string {
	prefix, _, ok := module.SplitPathVersion(path)
	if !ok {
		prefix = path
	}
	return pathpkg.Base(prefix)
}

// parseInts parses "1,2".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(p), &n); err != nil {
			return nil, fmt.Errorf("%q is not a whole number", p)
		}
		out = append(out, n)
	}
	return out, nil
}
