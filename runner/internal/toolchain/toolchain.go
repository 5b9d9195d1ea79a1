package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// A Toolchain is one Go toolchain a matrix names, resolved from a selector.
type Toolchain struct {
	// Selector is the `versions` entry this toolchain came from
	// ("local", "1.14", "/opt/go1.16", ">=1.14 <1.17").
	Selector string `json:"selector"`
	// Version is the full release, "go1.26.8"; empty if the selector
	// could not be resolved.
	Version string `json:"version,omitempty"`
	// GOROOT is where the toolchain is installed; empty until installed.
	GOROOT string `json:"goroot,omitempty"`
	// Source says where it came from: "local" (go on PATH), "goroot"
	// (a path in the matrix), "cache", "sdk" (golang.org/dl's ~/sdk),
	// "proxy" (the Go module proxy), "dl" (golang.org/dl's server).
	Source string `json:"source,omitempty"`
	// Error says why the toolchain is unavailable; cells that need it
	// carry it as their reason.
	Error string `json:"error,omitempty"`
	// Fetch says what downloading it took, when this run downloaded it
	// (Ensure); plans price later downloads by it.
	Fetch *Fetch `json:"fetch,omitempty"`
}

// A Fetch is what downloading one toolchain took.
type Fetch struct {
	Bytes int64   `json:"bytes"` // the archive's size
	MS    float64 `json:"ms"`    // wall time: download, verification and extraction
}

// Go returns the path of the toolchain's go command.
func (t Toolchain) Go() string { return filepath.Join(t.GOROOT, "bin", "go"+exeSuffix()) }

// Lang returns the toolchain's language version without the "go" prefix,
// as a go.mod go line wants it ("1.26", "1.13").
func (t Toolchain) Lang() string { return strings.TrimPrefix(gover.Lang(t.Version), "go") }

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// Local returns the toolchain of the go command on PATH. The environment
// it is asked in is clean, so a GOFLAGS or GOTOOLCHAIN in the user's go env
// file cannot change the answer or make an old go fail.
func Local(ctx context.Context) (Toolchain, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return Toolchain{}, fmt.Errorf("find local toolchain: %w\nhint: put a go command on PATH, or name a GOROOT path in versions", err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOROOT")
	cmd.Env = []string{"GOENV=off", "GOFLAGS=", "GOTOOLCHAIN=local", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Toolchain{}, fmt.Errorf("find local toolchain: %s env GOROOT: %v: %s", goCmd, err, strings.TrimSpace(stderr.String()))
	}
	t, err := FromGOROOT(strings.TrimSpace(string(out)))
	if err != nil {
		return Toolchain{}, err
	}
	t.Selector, t.Source = "local", "local"
	return t, nil
}

// FromGOROOT returns the toolchain installed at dir, reading its version
// from dir/VERSION (every release has one) or, failing that, `go version`.
func FromGOROOT(dir string) (Toolchain, error) {
	t := Toolchain{Selector: dir, GOROOT: dir, Source: "goroot"}
	if !filepath.IsAbs(dir) {
		return t, fmt.Errorf("toolchain %s: not an absolute path", dir)
	}
	if _, err := os.Stat(t.Go()); err != nil {
		return t, fmt.Errorf("toolchain %s: no bin/go: %w\nhint: name the GOROOT directory, the one holding bin/ and src/", dir, errors.Unwrap(err))
	}
	v, err := readVersion(dir)
	if err != nil {
		return t, fmt.Errorf("toolchain %s: %w", dir, err)
	}
	t.Version = v
	return t, nil
}

// readVersion reads the release a GOROOT holds.
func readVersion(dir string) (string, error) {
	if data, err := os.ReadFile(filepath.Join(dir, "VERSION")); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		if v := gover.Normalize(line); v != "" {
			return v, nil
		}
	}
	cmd := exec.Command(filepath.Join(dir, "bin", "go"+exeSuffix()), "version")
	cmd.Env = Env(Toolchain{GOROOT: dir}, "", nil)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go version: %w", err)
	}
	// "go version go1.13.15 linux/amd64"
	f := strings.Fields(string(out))
	if len(f) >= 3 {
		if v := gover.Normalize(f[2]); v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("cannot read version from %q", strings.TrimSpace(string(out)))
}

// Env returns the environment for running t's go command or a binary it
// built: built from scratch, never inherited, so that nothing in the
// user's environment (GOFLAGS=-buildvcs=false kills go1.13–1.17,
// GOTOOLCHAIN can switch toolchains, GOENV files add both) changes a
// result. cacheDir holds GOPATH and a GOCACHE per toolchain version.
// extra entries ("K=V") come last and override the defaults.
func Env(t Toolchain, cacheDir string, extra []string) []string {
	env := []string{
		"GOROOT=" + t.GOROOT,
		"PATH=" + filepath.Join(t.GOROOT, "bin") + string(os.PathListSeparator) + systemPath(),
		"GOENV=off",
		"GOFLAGS=",
		"GOTOOLCHAIN=local",
		"GO111MODULE=on",
		"GOPROXY=off",
		"GOSUMDB=off",
		"CGO_ENABLED=0",
	}
	if cacheDir != "" {
		v := t.Version
		if v == "" {
			v = "unknown"
		}
		env = append(env,
			"GOPATH="+filepath.Join(cacheDir, "gopath"),
			"GOCACHE="+filepath.Join(cacheDir, "gocache", v),
			"HOME="+filepath.Join(cacheDir, "home"),
			"TMPDIR="+os.TempDir(),
		)
	} else {
		env = append(env, "HOME="+os.Getenv("HOME"))
	}
	// Keep what processes need to function on each OS, nothing Go-specific.
	for _, k := range []string{"SYSTEMROOT", "TEMP", "TMP", "USERPROFILE", "LOCALAPPDATA", "APPDATA", "ComSpec", "PATHEXT"} {
		if v, ok := os.LookupEnv(k); ok && runtime.GOOS == "windows" {
			env = append(env, k+"="+v)
		}
	}
	return merge(env, extra)
}

// merge appends extra to env, replacing earlier entries with the same key.
func merge(env, extra []string) []string {
	out := make([]string, 0, len(env)+len(extra))
	idx := map[string]int{}
	for _, kv := range append(env, extra...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := idx[k]; ok {
			out[i] = kv
			continue
		}
		idx[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// systemPath is the PATH a child gets after the toolchain's bin: the
// user's PATH, since cases may call system tools (sleep, sh).
func systemPath() string { return os.Getenv("PATH") }
