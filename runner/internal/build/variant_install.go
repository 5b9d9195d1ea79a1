package build

// The two-pass method: make.bash with the release as the bootstrap
// toolchain, minus the bootstrap passes.
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
// is built from the very same sources, so one pass does:
//
//  1. write the experiment (and CGO_ENABLED) into the generated files,
//     where dist would; the other generated files the release ships
//     already say what dist would write again;
//  2. go install cmd with the release's own go command: every tool and
//     bin/go now carry the experiment, as toolchain1 and go_bootstrap did;
//  3. remove the installed packages, as make.bash's dist does, and
//     go install -a std with the go command and tools of step 2.
//
// std is compiled by the same compiler sources with the same experiment
// as make.bash's, and so is byte for byte the same, and so is every
// program built with the variant (the integration test checks both).
// The tools themselves are one generation early: compiled by the
// release's compiler rather than by an experiment-enabled one. They
// behave the same (a compiler's output depends on its sources and
// constants, not on the compiler that compiled it), but their bytes
// differ from make.bash's, and the variant's go command calls cmd stale.
// Rebuilding cmd again with them would make those bytes equal too, at
// the cost of compiling all of cmd twice, for nothing a build uses.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// installApplies reports whether the two-pass method can rebuild t:
// go1.13 to go1.16, whose dist and generated files it knows.
func installApplies(t toolchain.Toolchain) bool {
	lang := gover.Lang(t.Version)
	return gover.Compare(lang, "go1.13") >= 0 && gover.Compare(lang, FirstBuildTimeExperiments) < 0
}

// installVariant rebuilds the GOROOT in d.root with exp baked in by the
// two-pass method, returning the CPU time of the go commands it ran.
func (b *Builder) installVariant(ctx context.Context, exp string, d rebuildDirs) (time.Duration, error) {
	if err := writeGenerated(d.root, exp); err != nil {
		return 0, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	env := append(b.rebuildEnv(exp, d), "GOROOT="+d.root)
	goCmd := filepath.Join(d.root, "bin", "go"+exeSuffixFor(runtime.GOOS))
	// dist's go install flags, for std and cmd alike.
	flags := []string{"install", "-gcflags=all=", "-ldflags=all="}
	cpu1, err := runTools(ctx, d.root, env, append(append([]string{goCmd}, flags...), "cmd")...)
	if err != nil {
		return cpu1, fmt.Errorf("%s: go install cmd: %w", MethodInstall, err)
	}
	if err := removePackages(d.root); err != nil {
		return cpu1, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	cpu2, err := runStep(ctx, d.root, env, append(append([]string{goCmd}, flags...), "-a", "std")...)
	if err != nil {
		return cpu1 + cpu2, fmt.Errorf("%s: go install -a std: %w", MethodInstall, err)
	}
	if err := checkNotStale(ctx, d.root, env, goCmd, "std"); err != nil {
		return cpu1 + cpu2, fmt.Errorf("%s: %w", MethodInstall, err)
	}
	return cpu1 + cpu2, nil
}

// runTools runs argv (go install cmd) and checks that it replaced every
// tool the release had: one left behind was not built with the
// experiment. The release's tools are first dated releaseTime, so that
// one not replaced shows.
func runTools(ctx context.Context, root string, env []string, argv ...string) (time.Duration, error) {
	toolDir := filepath.Join(root, "pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH)
	before, err := os.ReadDir(toolDir)
	if err != nil {
		return 0, err
	}
	for _, e := range before {
		if err := os.Chtimes(filepath.Join(toolDir, e.Name()), releaseTime, releaseTime); err != nil {
			return 0, err
		}
	}
	cpu, err := runStep(ctx, root, env, argv...)
	if err != nil {
		return cpu, err
	}
	for _, e := range before {
		if info, err := os.Stat(filepath.Join(toolDir, e.Name())); err != nil || info.ModTime().Equal(releaseTime) {
			return cpu, fmt.Errorf("the release's tool %s was not rebuilt", e.Name())
		}
	}
	return cpu, nil
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

// checkNotStale fails when the go command would rebuild a package of
// pattern rather than use the one installed, as dist checks.
func checkNotStale(ctx context.Context, root string, env []string, goCmd, pattern string) error {
	cmd := exec.CommandContext(ctx, goCmd, "list", "-gcflags=all=", "-ldflags=all=", "-f", "{{if .Stale}}{{.ImportPath}}: {{.StaleReason}}{{end}}", pattern)
	cmd.Dir, cmd.Env = root, env
	setProcessGroup(cmd)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list %s: %w", pattern, err)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return fmt.Errorf("installed, but stale: %s", firstLine(s, 200))
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

var generatedFiles = []generated{
	{"cmd/internal/objabi/zbootstrap.go", regexp.MustCompile("(?m)^const goexperiment = `[^`\n]*`$"),
		func(exp string) string { return "const goexperiment = `" + exp + "`" }},
	{"runtime/internal/sys/zversion.go", regexp.MustCompile("(?m)^const Goexperiment = `[^`\n]*`$"),
		func(exp string) string { return "const Goexperiment = `" + exp + "`" }},
	{"go/build/zcgo.go", regexp.MustCompile(`(?m)^const defaultCGO_ENABLED = "[^"\n]*"$`),
		func(string) string { return fmt.Sprintf("const defaultCGO_ENABLED = %q", rebuildCGO) }},
}

// validExperiments is what GOEXPERIMENT can hold here: names, commas,
// "no" prefixes; dist writes it between backquotes.
var validExperiments = regexp.MustCompile(`^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$`)

// writeGenerated writes exp into the generated files under root as dist
// would: each must hold its constant exactly once, else the release is
// not laid out as this method knows.
func writeGenerated(root, exp string) error {
	if !validExperiments.MatchString(exp) {
		return fmt.Errorf("GOEXPERIMENT %q: not a list of experiment names", exp)
	}
	for _, g := range generatedFiles {
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
