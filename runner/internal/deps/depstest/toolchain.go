package depstest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// GOROOTsVar names an environment variable listing extra toolchains
// (GOROOT directories, separated by the OS's path list separator) that
// Toolchains returns besides the go command on PATH, for running the
// tests against old releases: GOMATRIX_DEPS_GOROOTS=~/sdk/go1.13.15.
const GOROOTsVar = "GOMATRIX_DEPS_GOROOTS"

// A Toolchain is a go command with the clean environment a build step
// gives it (toolchain.Env) and a module cache of its own.
type Toolchain struct {
	Go, Version string
	Env         []string
	// ModCache is the module cache directory, GOPATH/pkg/mod.
	ModCache string
}

// Toolchains returns the go command on PATH and those GOROOTsVar names,
// each with a fresh cache directory; it skips the test if there is no go
// command on PATH.
func Toolchains(t testing.TB) []Toolchain {
	t.Helper()
	local, err := toolchain.Local(context.Background())
	if err != nil {
		t.Skipf("no local go: %v", err)
	}
	list := []Toolchain{withCache(t, local)}
	for _, dir := range filepath.SplitList(os.Getenv(GOROOTsVar)) {
		tc, err := toolchain.FromGOROOT(dir)
		if err != nil {
			t.Fatalf("%s: %v", GOROOTsVar, err)
		}
		list = append(list, withCache(t, tc))
	}
	return list
}

// withCache gives tc a temporary cache directory, made writable again
// when the test ends so that it can be removed: the go command makes
// module cache files read-only.
func withCache(t testing.TB, tc toolchain.Toolchain) Toolchain {
	cache := t.TempDir()
	t.Cleanup(func() { makeWritable(cache) })
	telemetryOff(t, filepath.Join(cache, "home"))
	return Toolchain{
		Go:       tc.Go(),
		Version:  tc.Version,
		Env:      toolchain.Env(tc, cache, nil),
		ModCache: filepath.Join(cache, "gopath", "pkg", "mod"),
	}
}

// Name is the toolchain's version, as a subtest name.
func (tc Toolchain) Name() string { return strings.TrimPrefix(tc.Version, "go") }

// telemetryOff turns off the telemetry of go1.23 and later for the home
// directory home (toolchain.Env's HOME): otherwise the go command writes
// counters there, from a child process that may outlive it and refill
// the directory while the test removes it.
func telemetryOff(t testing.TB, home string) {
	config := filepath.Join(home, ".config")
	if runtime.GOOS == "darwin" {
		config = filepath.Join(home, "Library", "Application Support")
	}
	dir := filepath.Join(config, "go", "telemetry")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mode"), []byte("off"), 0o666); err != nil {
		t.Fatal(err)
	}
}

func makeWritable(dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o755)
		}
		return nil
	})
}
