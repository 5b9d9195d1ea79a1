package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// downloadEnv is the environment of a download step: the build's, with
// module cache files left writable where the toolchain can (go1.14 and
// later), so the runner's cache can be deleted like any directory.
func (b *Builder) downloadEnv(r Request) []string {
	env := Env(r, b.CacheDir)
	if gover.Compare(r.Toolchain.Version, "go1.14") >= 0 {
		env = append(env, "GOFLAGS=-modcacherw")
	}
	return env
}

// download fetches the modules src needs into the shared module cache,
// with the user's network settings (Builder.Net), so that the build
// itself runs offline. One case downloads at a time, so a module every
// toolchain needs is fetched once and found in the cache after. A failed
// download fails the build with the module, version, source and a hint.
func (b *Builder) download(ctx context.Context, res *Result, r Request, src *source) error {
	release, err := toolchain.LockFile(ctx, filepath.Join(b.CacheDir, "deps", r.Case.Hash[:16]+".lock"))
	if err != nil {
		return fmt.Errorf("download dependencies of %s: %w", r.Case.Name, err)
	}
	defer release()
	start := time.Now()
	dr, err := b.fetch(ctx, r, src.dir, b.net())
	res.DownloadMS = float64(time.Since(start).Microseconds()) / 1000
	res.Modules = len(dr.Modules)
	var de *deps.Error
	if errors.As(err, &de) {
		res.Error = fmt.Sprintf("dependencies: %s (hint: %s)", de.Error(), de.Hint())
		res.Output = dr.Output
		return nil
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// fetchModule puts the module version a case names into the shared
// module cache — through the proxy, verified against the checksum
// database by the go command, then its zip hashed again here — and
// returns the directory the module cache extracted it to.
func (b *Builder) fetchModule(ctx context.Context, res *Result, r Request, work string) (string, error) {
	mv := r.Case.Module
	scratch := &source{dir: filepath.Join(work, "fetch")}
	if err := os.MkdirAll(scratch.dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(scratch.dir, "go.mod"), []byte("module gomatrix.fetch\n"), 0o644); err != nil {
		return "", err
	}
	dr, err := b.fetch(ctx, r, scratch.dir, proxyOnly(b.net()), mv.String())
	var de *deps.Error
	if errors.As(err, &de) {
		res.Error = fmt.Sprintf("module %s: %s (hint: %s)", mv, de.Error(), de.Hint())
		res.Output = dr.Output
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return verifiedDir(res, mv, dr.Modules)
}

// ModuleDir returns the directory of the module version case c names,
// fetched (through the proxy, verified) with toolchain t into the shared
// module cache: where a package pattern is expanded.
func (b *Builder) ModuleDir(ctx context.Context, t toolchain.Toolchain, c *matrix.Case) (string, error) {
	var res Result
	work := filepath.Join(b.CacheDir, "modules", c.Hash[:16])
	dir, err := b.fetchModule(ctx, &res, Request{Case: c, Toolchain: t}, work)
	if err == nil && res.Error != "" {
		err = errors.New(res.Error)
	}
	return dir, err
}

// verifiedDir checks the zip the go command fetched for mv against the
// hash it reported, with x/mod's algorithm, and returns its directory.
func verifiedDir(res *Result, mv module.Version, mods []deps.Module) (string, error) {
	for _, m := range mods {
		if m.Path != mv.Path || m.Version != mv.Version {
			continue
		}
		h, err := dirhash.HashZip(m.Zip, dirhash.Hash1)
		if err != nil || h != m.Sum {
			res.Error = fmt.Sprintf("module %s: the zip in the module cache does not hash to %s (got %s, %v)", mv, m.Sum, h, err)
			return "", nil
		}
		return m.Dir, nil
	}
	res.Error = fmt.Sprintf("module %s: the go command did not report it", mv)
	return "", nil
}

// require adds the module version a case names to the go.mod of the
// case's program: `go get -d PKG@VERSION` with the user's network
// settings, which records what the package needs in go.mod and go.sum.
func (b *Builder) require(ctx context.Context, res *Result, r Request, src *source) error {
	pkg := modulePackage(r.Case.Module, r.Case.Package) + "@" + r.Case.Module.Version
	cmd := exec.CommandContext(ctx, r.Toolchain.Go(), "get", "-d", pkg)
	cmd.Dir, cmd.Env, cmd.WaitDelay = src.dir, append(b.downloadEnv(r), b.net().Env()...), 5*time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		reason, _ := classify(string(out))
		res.Error, res.Output = fmt.Sprintf("go get -d %s: %s", pkg, reason), string(out)
		return nil
	}
	f, err := readGoMod(src.dir)
	if err != nil {
		res.Error = err.Error()
		return nil
	}
	if f.Go != nil && f.Go.Version != res.GoLine {
		// From go1.21, go get raises the go line to what the module needs.
		res.GoModAdapted = joinNote(res.GoModAdapted, fmt.Sprintf("go get raised go %s → go %s", res.GoLine, f.Go.Version))
		res.GoLine = f.Go.Version
	}
	src.mod = f
	res.GoMod, _ = writeGoMod(src.dir, f)
	return nil
}

// joinNote appends note to a "; "-separated list.
func joinNote(list, note string) string {
	if list == "" {
		return note
	}
	return list + "; " + note
}

// fetch runs a download step with r's toolchain in dir, with network
// settings n, for the modules args name (all the module needs when none).
func (b *Builder) fetch(ctx context.Context, r Request, dir string, n deps.Net, args ...string) (deps.Result, error) {
	dr, err := deps.Download(ctx, deps.Request{Go: r.Toolchain.Go(), Dir: dir, Env: b.downloadEnv(r), Net: n, Version: r.Toolchain.Version, Args: args})
	if gover.Compare(r.Toolchain.Version, "go1.14") < 0 {
		makeWritable(dr.Modules)
	}
	return dr, err
}

// makeWritable makes the module directories mods name writable, as
// -modcacherw does from go1.14: otherwise the runner's cache cannot be
// removed by a user who is not root.
func makeWritable(mods []deps.Module) {
	for _, m := range mods {
		if m.Dir == "" {
			continue
		}
		filepath.WalkDir(m.Dir, func(p string, de fs.DirEntry, err error) error {
			mode := os.FileMode(0o644)
			if de != nil && de.IsDir() {
				mode = 0o755
			}
			if err == nil {
				os.Chmod(p, mode)
			}
			return nil
		})
	}
}

// proxyOnly is n without the "direct" fallback: a published module
// version comes from a proxy as a zip, never from version control.
func proxyOnly(n deps.Net) deps.Net {
	var keep []string
	for _, p := range strings.FieldsFunc(n.GOPROXY, func(r rune) bool { return r == ',' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "direct" {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 && !n.Offline {
		keep = []string{"https://proxy.golang.org"}
	}
	n.GOPROXY = strings.Join(keep, ",")
	n.GONOPROXY = "none" // GOPRIVATE would otherwise send a module direct
	return n
}

// modulePackage is the import path of the package a module case names.
func modulePackage(mv module.Version, pkg string) string {
	rel := strings.TrimPrefix(path.Clean(pkg), "./")
	if rel == "." || rel == "" {
		return mv.Path
	}
	return mv.Path + "/" + rel
}
