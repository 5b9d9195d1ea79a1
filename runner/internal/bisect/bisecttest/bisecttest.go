// Package bisecttest makes fake Go toolchains for tests of bisection:
// GOROOTs whose bin/go is a shell script, whose `go build -o X .` writes
// X as a shell script that behaves as the test says for that release and
// GOEXPERIMENT — it prints "hi" and exits, hangs, fails, or the build
// itself fails with an internal compiler error. Some are installed in a
// runner cache beforehand; the others are served by a fake module proxy
// (golang.org/toolchain module zips, GOSUMDB=off), which counts the
// downloads. Unix only: the scripts need /bin/sh.
package bisecttest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// What a fake toolchain's programs do, as Behave returns it.
const (
	Complete   = "complete"    // print "hi", exit 0
	Hang       = "hang"        // sleep for a minute
	Fail       = "fail"        // print a panic line, exit 2
	BuildError = "build-error" // go build fails: internal compiler error
	// Flaky fails on the first run of the binary and completes on the
	// others: with repeat 3, complete 2/3.
	Flaky = "flaky"
)

// A Fake describes fake toolchains.
type Fake struct {
	// Releases are every release there is ("go1.14.2"); the proxy lists them.
	Releases []string
	// Installed are installed in the cache before the test; the proxy
	// serves the others.
	Installed []string
	// Experiments are the GOEXPERIMENT values, besides "", programs may be
	// built with; any other is an unknown experiment, a build error.
	Experiments []string
	// Behave says what programs built by release v with GOEXPERIMENT exp
	// do: Complete, Hang, Fail, BuildError or Flaky.
	Behave func(v, exp string) string
	// Offline, instead of a proxy, caches the list of releases and sets
	// GOMATRIX_OFFLINE=1: the releases not installed cannot be had.
	Offline bool
}

// An Env is the environment of a test: a runner cache and a proxy.
type Env struct {
	// Cache is the runner's cache directory (GOMATRIX_CACHE).
	Cache string
	vars  map[string]string

	mu      sync.Mutex
	fetches []string // versions whose zip the proxy served, in order
}

// Getenv is the environment the runner should see: GOMATRIX_CACHE, and
// GOPROXY, GOSUMDB=off and GOMATRIX_SOURCES=proxy (or GOMATRIX_OFFLINE=1).
func (e *Env) Getenv(k string) string { return e.vars[k] }

// Fetches returns the versions the proxy served a toolchain zip of.
func (e *Env) Fetches() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.fetches)
}

// New installs f's installed toolchains in a new cache and starts its
// proxy; both go away when the test ends.
func New(t testing.TB, f Fake) *Env {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake toolchains are shell scripts")
	}
	e := &Env{Cache: t.TempDir()}
	e.vars = map[string]string{"GOMATRIX_CACHE": e.Cache, "GOSUMDB": "off", "GOMATRIX_SOURCES": "proxy"}
	for _, v := range f.Installed {
		dir := filepath.Join(e.Cache, "toolchains", v)
		for name, body := range Tree(v, f) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// The marker an install writes last: without it a toolchain is
		// never used.
		marker := fmt.Sprintf(`{"version":%q,"source":"proxy","verified":"none (test)"}`, v)
		if err := os.WriteFile(filepath.Join(dir, ".gomatrix-complete"), []byte(marker), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if f.Offline {
		e.vars["GOMATRIX_OFFLINE"] = "1"
		list := map[string]any{"key": "offline test", "fetched": time.Now().Add(-48 * time.Hour), "from": "a fake proxy", "proxy": f.Releases}
		data, _ := json.Marshal(list)
		if err := os.WriteFile(filepath.Join(e.Cache, "releases-"+runtime.GOOS+"-"+runtime.GOARCH+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return e
	}
	zips := map[string][]byte{}
	var lines []string
	for _, v := range f.Releases {
		mv := "v0.0.1-" + v + "." + runtime.GOOS + "-" + runtime.GOARCH
		lines = append(lines, mv)
		zips["/golang.org/toolchain/@v/"+mv+".zip"] = moduleZip(t, "golang.org/toolchain@"+mv, Tree(v, f))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/golang.org/toolchain/@v/list" {
			fmt.Fprintln(w, strings.Join(lines, "\n"))
			return
		}
		data, ok := zips[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		v := strings.TrimPrefix(r.URL.Path, "/golang.org/toolchain/@v/v0.0.1-")
		v, _, _ = strings.Cut(v, "."+runtime.GOOS+"-")
		e.mu.Lock()
		e.fetches = append(e.fetches, v)
		e.mu.Unlock()
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	e.vars["GOPROXY"] = srv.URL
	return e
}

// Tree returns the files of fake toolchain v: VERSION and bin/go.
func Tree(v string, f Fake) map[string]string {
	return map[string]string{
		"VERSION": v + "\ntime 2020-08-06T14:45:57Z\n",
		"bin/go":  goScript(v, f),
	}
}

// goScript is the fake bin/go of release v.
func goScript(v string, f Fake) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
# fake go %[1]s
case "$1" in
version) echo "go version %[1]s %[2]s/%[3]s"; exit 0 ;;
env) cd "$(dirname "$0")/.." && pwd; exit 0 ;;
build) ;;
*) echo "fake go: $*" >&2; exit 2 ;;
esac
out=
while [ $# -gt 0 ]; do
	case "$1" in -o) out=$2; shift ;; esac
	shift
done
case "$GOEXPERIMENT" in
'') behave=%[4]s ;;
`, v, runtime.GOOS, runtime.GOARCH, f.Behave(v, ""))
	for _, exp := range f.Experiments {
		fmt.Fprintf(&b, "%s) behave=%s ;;\n", exp, f.Behave(v, exp))
	}
	b.WriteString(`*) echo "go: unknown GOEXPERIMENT $GOEXPERIMENT" >&2; exit 2 ;;
esac
case "$behave" in
build-error) echo "./main.go:3:6: internal compiler error: fake crash" >&2; exit 1 ;;
complete) printf '#!/bin/sh\necho hi\n' > "$out" ;;
hang) printf '#!/bin/sh\nexec sleep 60\n' > "$out" ;;
fail) printf '#!/bin/sh\necho "panic: fake" >&2\nexit 2\n' > "$out" ;;
flaky) printf '#!/bin/sh\nif mkdir "$0.ran" 2>/dev/null; then exit 3; fi\necho hi\n' > "$out" ;;
*) echo "fake go: unknown behaviour $behave" >&2; exit 2 ;;
esac
chmod +x "$out"
`)
	return b.String()
}

// moduleZip is the zip of module prefix ("path@version") holding files.
func moduleZip(t testing.TB, prefix string, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(prefix + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
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
