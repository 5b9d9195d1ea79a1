package build

// The tools method: make.bash's result, built with the least work.
//
// make.bash (go1.13–go1.16) builds cmd/dist with the bootstrap go; dist
// writes the generated files (cmd/internal/objabi/zbootstrap.go,
// runtime/internal/sys/zversion.go, go/build/zcgo.go, …), builds
// toolchain1 (asm, cgo, compile, link) with the bootstrap toolchain,
// go_bootstrap with toolchain1, toolchain2 with toolchain1, toolchain3
// with toolchain2, and installs std and cmd with go_bootstrap and
// toolchain3. The passes exist because the bootstrap toolchain may be
// any older release: each must be compiled by a compiler built from the
// new sources. Here the bootstrap is the release itself, whose compiler
// is built from the very same sources, and a program's bytes depend only
// on the go command, the tools that build it (their sources and baked-in
// constants, not the compiler that compiled them) and std. So:
//
//  1. write the experiment and CGO_ENABLED into the constants the go
//     command and the tools read (objabi's zbootstrap.go, go/build's
//     zcgo.go), where dist would;
//  2. go install the go command and the build tools (compile, asm, link,
//     cgo) with the release itself and no GOEXPERIMENT: only cmd's
//     packages compile, against the release's installed std;
//  3. write the experiment into the runtime's constant (zversion.go) and
//     remove the release's installed packages, as dist does before it
//     installs std: std is then compiled on demand, by the new tools,
//     with the experiment, into the build cache, one package at a time
//     as builds import it, rather than all of std up front.
//
// The other tools (vet, cover, pprof, …) stay the release's: nothing
// they do depends on an experiment. The integration test checks that
// std and programs are byte for byte make.bash's. Measured on 2 cores
// (bench/variants): 40–62 s of CPU against make.bash's 195–218 s (std
// included) and the 99–115 s of installing all of cmd and then std (the
// former two-pass method); all of std, should a build import all of it,
// adds 25–31 s.

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// installApplies reports whether the tools method can rebuild t:
// go1.13 to go1.16, whose dist and generated files it knows.
func installApplies(t toolchain.Toolchain) bool {
	lang := gover.Lang(t.Version)
	return gover.Compare(lang, "go1.13") >= 0 && gover.Compare(lang, FirstBuildTimeExperiments) < 0
}

// buildTools are the commands a build runs: the go command and the tools
// it calls to compile, assemble, link and translate cgo.
var buildTools = []string{"cmd/go", "cmd/compile", "cmd/asm", "cmd/link", "cmd/cgo"}

// installVariant rebuilds the GOROOT in d.root with exp baked in by the
// tools method, returning the CPU time of the go command it ran.
func (b *Builder) installVariant(ctx context.Context, exp string, d rebuildDirs) (time.Duration, error) {
	if err := writeGenerated(d.root, exp, toolConstants); err != nil {
		return 0, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	env := append(b.rebuildEnv("", d), "GOROOT="+d.root)
	goCmd := filepath.Join(d.root, "bin", "go"+exeSuffixFor(runtime.GOOS))
	argv := append([]string{goCmd, "install"}, buildTools...)
	cpu, err := runTools(ctx, d.root, env, argv...)
	if err != nil {
		return cpu, fmt.Errorf("%s: go install %s: %w", MethodInstall, strings.Join(buildTools, " "), err)
	}
	if err := writeGenerated(d.root, exp, runtimeConstants); err != nil {
		return cpu, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	if err := removePackages(d.root); err != nil {
		return cpu, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	return cpu, nil
}

// runTools runs argv (go install of buildTools) and checks that it
// replaced each of them: one left behind was not built with the
// experiment. The release's are first dated releaseTime, so that one not
// replaced shows.
func runTools(ctx context.Context, root string, env []string, argv ...string) (time.Duration, error) {
	var paths []string
	for _, pkg := range buildTools {
		paths = append(paths, toolPath(root, pkg))
	}
	for _, p := range paths {
		if err := os.Chtimes(p, releaseTime, releaseTime); err != nil {
			return 0, err
		}
	}
	cpu, err := runStep(ctx, root, env, argv...)
	if err != nil {
		return cpu, err
	}
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || info.ModTime().Equal(releaseTime) {
			return cpu, fmt.Errorf("the release's %s was not rebuilt", filepath.Base(p))
		}
	}
	return cpu, nil
}

// toolPath is where go install puts the command pkg of GOROOT root.
func toolPath(root, pkg string) string {
	name := path.Base(pkg) + exeSuffixFor(runtime.GOOS)
	if pkg == "cmd/go" {
		return filepath.Join(root, "bin", name)
	}
	return filepath.Join(root, "pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH, name)
}

var releaseTime = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// removePackages removes the installed packages, as dist does before
// it installs std: those of the release were built without the
// experiment (and with cgo), and so were those go install cmd added.
func removePackages(root string) error {
	for _, dir := range []string{runtime.GOOS + "_" + runtime.GOARCH, runtime.GOOS + "_" + runtime.GOARCH + "_race"} {
		if err := os.RemoveAll(filepath.Join(root, "pkg", dir)); err != nil {
			return err
		}
	}
	return nil
}

// A generated is a constant in a file dist generates, and what dist would
// write there for a rebuild with GOEXPERIMENT=exp.
type generated struct {
	file  string         // under GOROOT/src
	re    *regexp.Regexp // the line, one in the file
	value func(exp string) string
}

// toolConstants are read by the go command and the tools.
var toolConstants = []generated{
	{"cmd/internal/objabi/zbootstrap.go", regexp.MustCompile("(?m)^const goexperiment = `[^`\n]*`$"),
		func(exp string) string { return "const goexperiment = `" + exp + "`" }},
	{"go/build/zcgo.go", regexp.MustCompile(`(?m)^const defaultCGO_ENABLED = "[^"\n]*"$`),
		func(string) string { return fmt.Sprintf("const defaultCGO_ENABLED = %q", rebuildCGO) }},
}

// runtimeConstants are compiled into every program; written after the
// tools are built, since they make all of std stale.
var runtimeConstants = []generated{
	{"runtime/internal/sys/zversion.go", regexp.MustCompile("(?m)^const Goexperiment = `[^`\n]*`$"),
		func(exp string) string { return "const Goexperiment = `" + exp + "`" }},
}

// validExperiments is what GOEXPERIMENT can hold here: names, commas,
// "no" prefixes; dist writes it between backquotes.
var validExperiments = regexp.MustCompile(`^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$`)

// writeGenerated writes exp into files under root as dist would: each
// must hold its constant exactly once, else the release is not laid out
// as this method knows.
func writeGenerated(root, exp string, files []generated) error {
	if !validExperiments.MatchString(exp) {
		return fmt.Errorf("GOEXPERIMENT %q: not a list of experiment names", exp)
	}
	for _, g := range files {
		p := filepath.Join(root, "src", filepath.FromSlash(g.file))
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if n := len(g.re.FindAllIndex(data, -1)); n != 1 {
			return fmt.Errorf("%s: %d lines match %s, want 1", g.file, n, g.re)
		}
		data = g.re.ReplaceAllLiteral(data, []byte(g.value(exp)))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func exeSuffixFor(goos string) string {
	if goos == "windows" {
		return ".exe"
	}
	return ""
}
