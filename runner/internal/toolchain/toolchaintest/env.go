package toolchaintest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// An Env is the environment a runner sees in a test: a cache with some
// fake toolchains installed, and a proxy serving them all.
type Env struct {
	// Cache is the runner's cache directory (GOMATRIX_CACHE).
	Cache string
	// Proxy serves the fake's releases; nil when the fake is Offline.
	Proxy *Proxy

	vars map[string]string
}

// New installs f's installed toolchains in a new cache and starts a
// proxy serving f's releases, or (f.Offline) caches the list of them;
// both go away when the test ends. It skips the test on Windows.
func New(t testing.TB, f Fake) *Env {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake toolchains are shell scripts")
	}
	e := &Env{Cache: t.TempDir()}
	e.vars = map[string]string{
		"GOMATRIX_CACHE":   e.Cache,
		"GOMATRIX_SOURCES": "proxy",
		"GOMATRIX_OFFLINE": "",
		"GOPROXY":          "",
		"GOSUMDB":          "off",
		"GONOSUMDB":        "",
		"GOPRIVATE":        "",
	}
	for _, v := range f.Installed {
		install(t, filepath.Join(e.Cache, "toolchains", v), v, f.Tree(v))
	}
	if f.Offline {
		e.vars["GOMATRIX_OFFLINE"] = "1"
		goos, goarch := f.platform()
		list := map[string]any{"key": "offline test", "fetched": time.Now().Add(-48 * time.Hour), "from": "a fake proxy", "proxy": f.Releases}
		data, _ := json.Marshal(list)
		if err := os.WriteFile(filepath.Join(e.Cache, "releases-"+goos+"-"+goarch+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return e
	}
	e.Proxy = newProxy(t, f)
	e.vars["GOPROXY"] = e.Proxy.URL
	e.vars["GOSUMDB"] = e.Proxy.SumDB.Key + " " + e.Proxy.SumDB.URL
	return e
}

// install writes the tree of fake toolchain v into dir as the runner
// installs one: programs executable, and last the marker
// (.gomatrix-complete) without which a toolchain is never used.
func install(t testing.TB, dir, v string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if executable(name) {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	marker := fmt.Sprintf(`{"version":%q,"source":"proxy","verified":"none (test)"}`, v)
	if err := os.WriteFile(filepath.Join(dir, ".gomatrix-complete"), []byte(marker), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Getenv is the environment the runner should see: GOMATRIX_CACHE,
// GOMATRIX_SOURCES=proxy, and GOPROXY and GOSUMDB naming the proxy and
// its checksum database (or GOMATRIX_OFFLINE=1 and GOSUMDB=off).
func (e *Env) Getenv(k string) string { return e.vars[k] }

// Environ is Getenv's variables as "key=value" entries, to append to a
// child process's environment: those Getenv leaves empty are listed
// empty, to hide the test's own.
func (e *Env) Environ() []string {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(e.vars)) {
		env = append(env, k+"="+e.vars[k])
	}
	return env
}

// Fetches returns the releases whose zip the proxy served, in order.
func (e *Env) Fetches() []string {
	if e.Proxy == nil {
		return nil
	}
	return e.Proxy.Fetches()
}

// Case writes a case directory (a main package and, if caseYAML is not
// empty, its case.yaml) and returns its path. The fake go ignores the
// source; the runner wants a .go file.
func Case(t testing.TB, caseYAML string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "loop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {\n\tgo println(\"hi\")\n\tfor {\n\t}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if caseYAML != "" {
		if err := os.WriteFile(filepath.Join(dir, "case.yaml"), []byte(caseYAML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
