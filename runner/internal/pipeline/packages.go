package pipeline

import (
	"context"
	"fmt"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// expandPackages replaces each case with a package pattern (packages:
// ./...) by one case per package the pattern matches: in the case's
// directory, or in the module version it names, fetched here (through
// the proxy, verified) with the local toolchain.
func (e Env) expandPackages(ctx context.Context, cases []*matrix.Case) ([]*matrix.Case, error) {
	var out []*matrix.Case
	for _, c := range cases {
		if c.Packages == "" {
			out = append(out, c)
			continue
		}
		root, err := e.caseRoot(ctx, c)
		if err != nil {
			return nil, inputErr(fmt.Errorf("case %s: %w", c.Name, err))
		}
		pkgs, err := matrix.Packages(root, c.Packages)
		if err == nil && len(pkgs) == 0 {
			err = fmt.Errorf("packages %s matches no package in %s", c.Packages, root)
		}
		if err != nil {
			return nil, inputErr(fmt.Errorf("case %s: %w", c.Name, err))
		}
		for _, p := range pkgs {
			out = append(out, c.ForPackage(p))
		}
	}
	return out, nil
}

// caseRoot is the directory a case's package pattern is matched in.
func (e Env) caseRoot(ctx context.Context, c *matrix.Case) (string, error) {
	if c.Module.Path == "" || c.HasProgram {
		return c.Dir, nil
	}
	local, err := toolchain.Local(ctx)
	if err != nil {
		return "", fmt.Errorf("fetch %s to list its packages: %w", c.Module, err)
	}
	b := &build.Builder{CacheDir: e.CacheDir(), Net: deps.NetFromEnv(ctx, e.Getenv)}
	return b.ModuleDir(ctx, local, c)
}
