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

// variantTimeout bounds one make.bash.
const variantTimeout = 30 * time.Minute

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

const variantMarker = ".gomatrix-variant-complete"

var variantMu sync.Map // dir → *sync.Mutex: one make.bash per variant at a time

// Variant returns toolchain t rebuilt from its own sources with
// GOEXPERIMENT=exp baked in, building it on first use: a copy of t's
// GOROOT, made with make.bash using t itself as the bootstrap toolchain.
// experiments is what the rebuilt compiler reports (`compile -V`), proof
// that the experiment is in effect.
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
	experiments, err = compilerExperiments(v)
	if err != nil {
		return v, "", fmt.Errorf("rebuild %s with GOEXPERIMENT=%s: %w", t.Version, exp, err)
	}
	for _, e := range strings.Split(exp, ",") {
		if !contains(strings.Split(experiments, ","), e) {
			return v, experiments, fmt.Errorf("rebuild %s with GOEXPERIMENT=%s: the rebuilt compiler reports experiments %q, without %s", t.Version, exp, experiments, e)
		}
	}
	return v, experiments, nil
}

// makeVariant copies t into a temporary directory beside dir, runs
// make.bash there, and renames it into place with a marker written last,
// so a half-built variant is never used.
func (b *Builder) makeVariant(ctx context.Context, t toolchain.Toolchain, exp, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	os.RemoveAll(dir) // no marker: a leftover of an interrupted attempt
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "go")
	if err := copyTree(t.GOROOT, root); err != nil {
		return fmt.Errorf("copy %s: %w", t.GOROOT, err)
	}
	ctx, cancel := context.WithTimeout(ctx, variantTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "make.bash")
	cmd.Dir = filepath.Join(root, "src")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(b.CacheDir, "home"),
		"GOROOT_BOOTSTRAP=" + t.GOROOT,
		"GOEXPERIMENT=" + exp,
		"CGO_ENABLED=0",
		"GOENV=off",
		"GOFLAGS=",
		"GOTOOLCHAIN=local",
		"GOCACHE=" + filepath.Join(tmp, "gocache"),
		"GOPATH=" + filepath.Join(tmp, "gopath"),
	}
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("make.bash: %w", context.Cause(ctx))
		}
		return fmt.Errorf("make.bash: %v: %s", err, lastLines(out.String(), 5))
	}
	os.RemoveAll(filepath.Join(root, "pkg", "obj")) // make.bash's scratch space
	if err := os.Rename(root, dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, variantMarker), []byte(exp+"\n"), 0o644)
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
