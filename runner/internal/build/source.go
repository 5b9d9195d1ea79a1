package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A source is a case's module as one build sees it: a copy of the case
// (or of the module version it names) under work/src, with the go.mod the
// build uses.
type source struct {
	dir     string        // the copy's root: the module root
	pkg     string        // the package to build, "." or "./cmd/x"
	mod     *modfile.File // its go.mod as written into dir
	vendor  bool          // dir has vendor/modules.txt: build with -mod=vendor
	adapted []string      // what was changed in the go.mod for the toolchain
}

// goModChange is one change to a go.mod that a toolchain older than
// since cannot parse as written.
type goModChange struct {
	since string
	apply func(f *modfile.File) string // what it changed; "" when nothing
}

// goModChanges are the directives old toolchains refuse, newest last.
var goModChanges = []goModChange{
	{"go1.21", func(f *modfile.File) string {
		if f.Toolchain == nil {
			return ""
		}
		f.DropToolchainStmt()
		return "toolchain line removed"
	}},
	{"go1.21", func(f *modfile.File) string {
		if f.Go == nil || strings.Count(f.Go.Version, ".") < 2 {
			return ""
		}
		old := f.Go.Version
		f.AddGoStmt(gover.Lang(old)[2:])
		return fmt.Sprintf("go %s → go %s", old, f.Go.Version)
	}},
	{"go1.23", func(f *modfile.File) string {
		return dropAll(f, "godebug", len(f.Godebug), f.DropGodebug, godebugKeys(f))
	}},
	{"go1.24", func(f *modfile.File) string { return dropAll(f, "tool", len(f.Tool), f.DropTool, toolPaths(f)) }},
	{"go1.25", func(f *modfile.File) string { return dropAll(f, "ignore", len(f.Ignore), f.DropIgnore, ignorePaths(f)) }},
}

// dropAll removes every directive of one kind, by the keys drop takes.
func dropAll(f *modfile.File, what string, n int, drop func(string) error, keys []string) string {
	if n == 0 {
		return ""
	}
	for _, k := range keys {
		drop(k)
	}
	return fmt.Sprintf("%d %s directive(s) removed", n, what)
}

func godebugKeys(f *modfile.File) (out []string) {
	for _, g := range f.Godebug {
		out = append(out, g.Key)
	}
	return out
}

func toolPaths(f *modfile.File) (out []string) {
	for _, t := range f.Tool {
		out = append(out, t.Path)
	}
	return out
}

func ignorePaths(f *modfile.File) (out []string) {
	for _, i := range f.Ignore {
		out = append(out, i.Path)
	}
	return out
}

// adaptGoMod changes f so that toolchain version v can read it, and
// returns what it changed.
func adaptGoMod(f *modfile.File, v string) []string {
	var out []string
	for _, ch := range goModChanges {
		if gover.Compare(v, ch.since) >= 0 {
			continue
		}
		if msg := ch.apply(f); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// goLineFor is the go line a build writes for the go_line axis value
// line, with toolchain t: "" keeps the go.mod's own (cur).
func goLineFor(line, cur string, t toolchain.Toolchain) string {
	switch line {
	case "":
		return cur
	case matrix.GoLineToolchain:
		return t.Lang()
	}
	return line
}

// writeGoMod formats f into dir/go.mod and returns what it wrote.
func writeGoMod(dir string, f *modfile.File) (string, error) {
	f.Cleanup()
	data, err := f.Format()
	if err != nil {
		return "", err
	}
	return string(data), os.WriteFile(filepath.Join(dir, "go.mod"), data, 0o644)
}

// hasRequirements reports whether the module needs other modules.
func (s *source) hasRequirements() bool { return s.mod != nil && len(s.mod.Require) > 0 }

// copyModule copies the module tree src (a module cache's copy, which
// is read-only) into dst, replaced, with every file writable.
func copyModule(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := copyTree(src, dst); err != nil {
		return err
	}
	return filepath.WalkDir(dst, func(p string, de fs.DirEntry, err error) error {
		if err != nil || !de.Type().IsRegular() {
			return err
		}
		return os.Chmod(p, 0o644)
	})
}

// prepareSource copies the case, or the module version it names, into
// work/src and writes the go.mod the build uses: the case's own, adapted
// for the toolchain, or a new one; with the go line the cell asks for.
// It then downloads the modules it needs, unless it vendors them.
func (b *Builder) prepareSource(ctx context.Context, res *Result, r Request, work string) (*source, error) {
	src := &source{dir: filepath.Join(work, "src"), pkg: "."}
	if err := b.copySource(ctx, res, r, src); err != nil || res.failed() {
		return src, err
	}
	if err := setGoMod(res, r, src); err != nil || res.failed() {
		return src, err
	}
	res.Dir, res.Package = src.dir, src.pkg
	_, err := os.Stat(filepath.Join(src.dir, "vendor", "modules.txt"))
	src.vendor = err == nil
	if r.Case.Module.Path != "" && r.Case.HasProgram {
		if err := b.require(ctx, res, r, src); err != nil || res.failed() {
			return src, err
		}
	}
	if src.vendor || !src.hasRequirements() {
		return src, nil
	}
	return src, b.download(ctx, res, r, src)
}

// copySource fills src.dir: the case's files, or the module version's
// (a program of the case's own builds against it instead).
func (b *Builder) copySource(ctx context.Context, res *Result, r Request, src *source) error {
	if r.Case.Module.Path == "" || r.Case.HasProgram {
		if err := copyCase(r.Case, src.dir); err != nil {
			return fmt.Errorf("build %s: %w", r.Case.Name, err)
		}
		if r.Case.Module.Path == "" && r.Case.Package != "" {
			src.pkg = r.Case.Package // one package of a case's pattern
		}
		return nil
	}
	dir, err := b.fetchModule(ctx, res, r, filepath.Dir(src.dir))
	if err != nil || res.failed() {
		return err
	}
	if r.Case.Package != "" {
		src.pkg = r.Case.Package
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(src.pkg))); err != nil || !st.IsDir() {
		res.Error = fmt.Sprintf("module %s has no package %s", r.Case.Module, src.pkg)
		return nil
	}
	if err := copyModule(dir, src.dir); err != nil {
		return fmt.Errorf("build %s: copy %s: %w", r.Case.Name, r.Case.Module, err)
	}
	return nil
}

// setGoMod writes src's go.mod: the one copied, or a new one, adapted
// for r's toolchain and with the go line r asks for; it records both in
// res. A go.mod that cannot be parsed fails the build.
func setGoMod(res *Result, r Request, src *source) error {
	f, err := readGoMod(src.dir)
	if err != nil {
		res.Error = err.Error()
		return nil
	}
	if f == nil {
		f = newGoMod(r)
	}
	cur := ""
	if f.Go != nil {
		cur = f.Go.Version
	}
	if line := goLineFor(r.GoLine, cur, r.Toolchain); line != cur && line != "" {
		if err := f.AddGoStmt(line); err != nil {
			res.Error = fmt.Sprintf("go line %s: %v", line, err)
			return nil
		}
	}
	src.adapted = adaptGoMod(f, r.Toolchain.Version)
	src.mod = f
	res.GoModAdapted = strings.Join(src.adapted, "; ")
	if f.Go != nil {
		res.GoLine = f.Go.Version
	}
	if res.GoMod, err = writeGoMod(src.dir, f); err != nil {
		return fmt.Errorf("build %s: write go.mod: %w", r.Case.Name, err)
	}
	return nil
}

// newGoMod is the go.mod of a case that has none: module mode always,
// with the toolchain's own language version as its go line, so each
// version runs with its own GODEBUG defaults and language semantics.
func newGoMod(r Request) *modfile.File {
	f := new(modfile.File)
	f.AddModuleStmt("matrixcase/" + modName(r.Case.Name))
	f.AddGoStmt(r.Toolchain.Lang())
	return f
}

// readGoMod parses dir/go.mod; nil when there is none.
func readGoMod(dir string) (*modfile.File, error) {
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %w", err)
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return nil, fmt.Errorf("case go.mod: %w", err)
	}
	return f, nil
}
