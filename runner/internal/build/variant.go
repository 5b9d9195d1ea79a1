package build

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// FirstBuildTimeExperiments is the first release whose go command reads
// GOEXPERIMENT when it builds a program. Before it, an experiment is baked
// into the toolchain when the toolchain itself is built (make.bash).
const FirstBuildTimeExperiments = "go1.17"

// variantTimeout bounds one rebuild.
const variantTimeout = 30 * time.Minute

// The ways a variant is rebuilt. MethodInstall (variant_install.go)
// rebuilds only the go command and the build tools, with the release
// itself, and leaves std to be compiled on demand; MethodMakeBash is the
// fallback, and the only way outside go1.13–go1.16.
const (
	MethodMakeBash = "make.bash"
	MethodInstall  = "go install of the build tools"
)

// VariantMethodEnv set to "make.bash" makes Variant rebuild with
// make.bash only.
const VariantMethodEnv = "GOMATRIX_VARIANT_METHOD"

// NeedsVariant reports whether building with GOEXPERIMENT=exp under t
// takes a toolchain rebuilt with it.
func NeedsVariant(t toolchain.Toolchain, exp string) bool {
	return exp != "" && gover.Compare(t.Version, FirstBuildTimeExperiments) < 0
}

// variantDir is where the toolchain t rebuilt with exp lives.
func (b *Builder) variantDir(t toolchain.Toolchain, exp string) string {
	return filepath.Join(b.CacheDir, "variants", t.Version+"+"+strings.ReplaceAll(exp, ",", "+"))
}

// HasVariant reports whether the rebuilt toolchain is already installed.
func (b *Builder) HasVariant(t toolchain.Toolchain, exp string) bool {
	_, err := os.Stat(filepath.Join(b.variantDir(t, exp), variantMarker))
	return err == nil
}

// VariantMethod says how the installed variant of t with exp was built:
// MethodMakeBash or MethodInstall, with why make.bash was used when the
// cheaper method failed; "" when there is none.
func (b *Builder) VariantMethod(t toolchain.Toolchain, exp string) string {
	return VariantMethodAt(b.variantDir(t, exp))
}

var variantMu sync.Map // dir → *sync.Mutex: one rebuild per variant at a time

// Variant returns toolchain t rebuilt from its own sources with
// GOEXPERIMENT=exp baked in, building it on first use in a copy of t's
// GOROOT (see VariantMethod for how). experiments is what the rebuilt
// compiler reports (`compile -V`), proof that the experiment is in effect.
func (b *Builder) Variant(ctx context.Context, t toolchain.Toolchain, exp string) (v toolchain.Toolchain, experiments string, err error) {
	dir := b.variantDir(t, exp)
	mu, _ := variantMu.LoadOrStore(dir, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	v = t
	v.GOROOT = dir
	v.Source = "rebuilt"
	// Another runner on the same cache may be rebuilding it too.
	release, err := toolchain.LockFile(ctx, dir+".lock")
	if err != nil {
		return v, "", fmt.Errorf("rebuild %s with GOEXPERIMENT=%s: %w", t.Version, exp, err)
	}
	defer release()
	if _, err := os.Stat(filepath.Join(dir, variantMarker)); err != nil {
		if err := b.makeVariant(ctx, t, exp, dir); err != nil {
			return v, "", fmt.Errorf("rebuild %s with GOEXPERIMENT=%s: %w", t.Version, exp, err)
		}
	}
	experiments, err = checkExperiments(v, exp)
	if err != nil {
		return v, experiments, fmt.Errorf("rebuild %s with GOEXPERIMENT=%s: %w", t.Version, exp, err)
	}
	return v, experiments, nil
}

// variantMethod is the method a variant of t is first tried with: the
// cheapest that applies, unless VariantMethodEnv asks for make.bash.
func variantMethod(t toolchain.Toolchain) string {
	if !installApplies(t) || os.Getenv(VariantMethodEnv) == MethodMakeBash {
		return MethodMakeBash
	}
	return MethodInstall
}

// VariantShipsStd reports whether a variant of t (see NeedsVariant) will
// come with std compiled, as make.bash installs it; the tools method
// leaves std to be compiled on demand by the builds.
func VariantShipsStd(t toolchain.Toolchain) bool {
	return variantMethod(t) == MethodMakeBash
}

// makeVariant rebuilds t with exp into dir by variantMethod, and with
// make.bash when that fails (but not when ctx ends).
func (b *Builder) makeVariant(ctx context.Context, t toolchain.Toolchain, exp, dir string) error {
	if variantMethod(t) == MethodMakeBash {
		_, err := b.RebuildVariant(ctx, t, exp, MethodMakeBash, dir)
		return err
	}
	_, err := b.RebuildVariant(ctx, t, exp, MethodInstall, dir)
	if err == nil || ctx.Err() != nil {
		return err
	}
	why := firstLine(err.Error(), 160)
	if _, err := b.rebuildVariant(ctx, t, exp, MethodMakeBash, dir, fmt.Sprintf("%s, as %s failed: %s", MethodMakeBash, MethodInstall, why)); err != nil {
		return fmt.Errorf("%w (after %s failed: %s)", err, MethodInstall, why)
	}
	return nil
}

// VariantStats is how one rebuild went.
type VariantStats struct {
	Method      string        // MethodMakeBash or MethodInstall
	Wall        time.Duration // copying t's GOROOT included
	CPU         time.Duration // of the processes the rebuild ran (user+system)
	Experiments string        // what the rebuilt compiler reports
}

// RebuildVariant rebuilds t with GOEXPERIMENT=exp baked in, by method,
// into dir, replacing whatever is there. Variant calls it on first use
// (with the method it picks); it is exported for tools that compare the
// methods. It takes no lock: the caller owns dir.
func (b *Builder) RebuildVariant(ctx context.Context, t toolchain.Toolchain, exp, method, dir string) (VariantStats, error) {
	return b.rebuildVariant(ctx, t, exp, method, dir, method)
}

// rebuildVariant copies t into a temporary directory beside dir, rebuilds
// it there, checks the compiler reports exp, and renames it into place
// with a marker (recording note, the method) written last, so a
// half-built variant is never used.
func (b *Builder) rebuildVariant(ctx context.Context, t toolchain.Toolchain, exp, method, dir, note string) (st VariantStats, err error) {
	st.Method = method
	start := time.Now()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return st, err
	}
	os.RemoveAll(dir) // no marker: a leftover of an interrupted attempt
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return st, err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "go")
	if err := copyTree(t.GOROOT, root); err != nil {
		return st, fmt.Errorf("copy %s: %w", t.GOROOT, err)
	}
	ctx, cancel := context.WithTimeout(ctx, variantTimeout)
	defer cancel()
	if st.CPU, err = b.runMethod(ctx, t, exp, method, rebuildDirs{root: root, tmp: tmp, final: dir}); err != nil {
		return st, err
	}
	if st.Experiments, err = checkExperiments(toolchain.Toolchain{GOROOT: root, Version: t.Version}, exp); err != nil {
		return st, err
	}
	if err := moveIntoPlace(root, dir, exp, note); err != nil {
		return st, err
	}
	st.Wall = time.Since(start)
	return st, nil
}

// rebuildDirs are where a rebuild works: root is the copied GOROOT, tmp
// its scratch space (caches), final where root will be renamed to.
type rebuildDirs struct{ root, tmp, final string }

func (b *Builder) runMethod(ctx context.Context, t toolchain.Toolchain, exp, method string, d rebuildDirs) (time.Duration, error) {
	switch method {
	case MethodMakeBash:
		return b.makeBash(ctx, t, exp, d)
	case MethodInstall:
		if !installApplies(t) {
			return 0, fmt.Errorf("%s: only for go1.13 to go1.16, not %s", MethodInstall, t.Version)
		}
		return b.installVariant(ctx, exp, d)
	}
	return 0, fmt.Errorf("unknown rebuild method %q", method)
}

// moveIntoPlace moves the rebuilt root to dir and writes the marker, last.
func moveIntoPlace(root, dir, exp, method string) error {
	os.RemoveAll(filepath.Join(root, "pkg", "obj")) // make.bash's scratch space
	if err := os.Rename(root, dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, variantMarker), []byte(exp+"\nmethod: "+method+"\n"), 0o644)
}

const variantMarker = ".gomatrix-variant-complete"

// VariantMethodAt says how the variant in dir was built, from its
// marker: "" without one, make.bash for a marker written before there was
// a choice.
func VariantMethodAt(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, variantMarker))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if m, ok := strings.CutPrefix(line, "method: "); ok {
			return m
		}
	}
	return MethodMakeBash
}

// checkExperiments returns what t's compiler reports, and an error when
// an experiment of exp is not among them.
func checkExperiments(t toolchain.Toolchain, exp string) (string, error) {
	experiments, err := compilerExperiments(t)
	if err != nil {
		return "", err
	}
	for _, e := range strings.Split(exp, ",") {
		if !contains(strings.Split(experiments, ","), e) {
			return experiments, fmt.Errorf("the rebuilt compiler reports experiments %q, without %s", experiments, e)
		}
	}
	return experiments, nil
}

// compilerExperiments returns the experiments t's compiler was built
// with, from `compile -V` ("compile version go1.13.15 X:framepointer,preemptibleloops").
func compilerExperiments(t toolchain.Toolchain) (string, error) {
	tools, err := filepath.Glob(filepath.Join(t.GOROOT, "pkg", "tool", "*", "compile*"))
	if err != nil || len(tools) == 0 {
		return "", fmt.Errorf("no compiler under %s/pkg/tool", t.GOROOT)
	}
	cmd := exec.Command(tools[0], "-V")
	cmd.Env = toolchain.Env(t, "", nil)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("compile -V: %w", err)
	}
	s := strings.TrimSpace(string(out))
	if i := strings.Index(s, "X:"); i >= 0 {
		return strings.Fields(s[i+2:])[0], nil
	}
	return "", nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			if err := copyFile(p, target); err != nil {
				return err
			}
			// Module zips carry no modes: scripts such as make.bash are
			// run through bash, binaries keep what the install gave them.
			return os.Chmod(target, info.Mode().Perm())
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// firstLine is s's first line, at most n bytes of it.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
