package scheduler

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func TestGoCommand(t *testing.T) {
	const cache = "/home/ci/.cache/gomatrix"
	release := toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15", GOROOT: cache + "/toolchains/go1.13.15", Source: "cache"}
	linuxCache := `"${GOMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gomatrix}"`
	releaseSetup := `gocmd=` + linuxCache + `/toolchains/go1.13.15/bin/go; [ -x "$gocmd" ] || { gocmd="$HOME"/sdk/go1.13.15/bin/go; [ -x "$gocmd" ] || go run golang.org/dl/go1.13.15@latest download; }`
	for _, tt := range []struct {
		name         string
		t            toolchain.Toolchain
		b            build.Result
		goos         string
		setup, goCmd string
	}{
		{"release in the cache", release, build.Result{}, "linux", releaseSetup, `"$gocmd"`},
		{"release from the proxy", toolchain.Toolchain{Selector: ">=1.13", Version: "go1.13.15", GOROOT: "/tmp/cold-cache/toolchains/go1.13.15", Source: "proxy"},
			build.Result{}, "linux", releaseSetup, `"$gocmd"`},
		{"release in ~/sdk", toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15", GOROOT: "/root/sdk/go1.13.15", Source: "sdk"},
			build.Result{}, "linux", releaseSetup, `"$gocmd"`},
		{"release on darwin", release, build.Result{}, "darwin",
			`gocmd="${GOMATRIX_CACHE:-$HOME/Library/Caches/gomatrix}"/toolchains/go1.13.15/bin/go; [ -x "$gocmd" ] || { gocmd="$HOME"/sdk/go1.13.15/bin/go; [ -x "$gocmd" ] || go run golang.org/dl/go1.13.15@latest download; }`,
			`"$gocmd"`},
		{"variant", release, build.Result{Variant: "go1.13.15 rebuilt", GOROOT: cache + "/variants/go1.13.15+preemptibleloops"}, "linux",
			"", linuxCache + "/variants/go1.13.15+preemptibleloops/bin/go"},
		{"variant outside the cache", release, build.Result{Variant: "go1.13.15 rebuilt", GOROOT: "/elsewhere/go 1.13"}, "linux",
			"", "'/elsewhere/go 1.13/bin/go'"},
		{"local", toolchain.Toolchain{Selector: "local", Version: "go1.26.8", GOROOT: "/usr/local/go", Source: "local"}, build.Result{}, "linux", "", "go"},
		{"GOROOT the matrix names", toolchain.Toolchain{Selector: "/opt/go 1.16", Version: "go1.16.15", GOROOT: "/opt/go 1.16", Source: "goroot"},
			build.Result{}, "linux", "", "'/opt/go 1.16/bin/go'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" {
				t.Skip("paths are POSIX")
			}
			setup, goCmd := goCommand(tt.t, tt.b, cache, tt.goos)
			if strings.Join(setup, " && ") != tt.setup || goCmd != tt.goCmd {
				t.Errorf("goCommand = %q, %q\nwant %q, %q", setup, goCmd, tt.setup, tt.goCmd)
			}
		})
	}
}

// A reproduce command names none of this machine's paths but the case's.
func TestReproducePortable(t *testing.T) {
	cache := t.TempDir()
	c := testCell()
	c.Toolchain.GOROOT, c.Toolchain.Source = filepath.Join(cache, "toolchains", "go1.13.15"), "cache"
	s := &Scheduler{CacheDir: cache}
	for _, b := range []build.Result{{}, {Variant: "rebuilt", GOROOT: filepath.Join(cache, "variants", "go1.13.15+preemptibleloops")}} {
		if got := s.reproduce(c, b); strings.Contains(got, cache) || strings.Contains(got, c.Toolchain.GOROOT) {
			t.Errorf("reproduce names this machine's cache %s:\n%s", cache, got)
		}
	}
}

// fakeGo is a go command that "builds" a program which prints what it
// was built with and what it runs with, and, asked to run golang.org/dl's
// wrapper, installs itself where the wrapper would put the release.
const fakeGo = `#!/bin/sh
if [ "$1" = run ]; then
	v=${2#golang.org/dl/}; v=${v%@latest}
	mkdir -p "$HOME/sdk/$v/bin" && cp "$0" "$HOME/sdk/$v/bin/go" && echo "fetched $v" >&2
	exit
fi
while [ $# -gt 0 ]; do
	if [ "$1" = -o ]; then out=$2; fi
	shift
done
printf '#!/bin/sh\necho "built by %s with GOEXPERIMENT=%s go.mod %s; ran with GOMAXPROCS=$GOMAXPROCS GODEBUG=$GODEBUG args $*"\n' "$0" "$GOEXPERIMENT" "$(tr '\n' ' ' < go.mod)" > "$out"
chmod +x "$out"
`

// installFake puts fakeGo at dir/bin/go.
func installFake(t *testing.T, dir string) string {
	t.Helper()
	goCmd := filepath.Join(dir, "bin", "go")
	if err := os.MkdirAll(filepath.Dir(goCmd), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goCmd, []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	return goCmd
}

// The reproduce command of a cell runs as it is, with bash, on a machine
// with the toolchain in its gomatrix cache, in golang.org/dl's ~/sdk, or
// neither (golang.org/dl's wrapper fetches it); a rebuilt variant's, on
// one with the variant in its cache.
func TestReproduceRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("needs bash")
	}
	for _, tool := range []string{"timeout", "mktemp", "env", "cp", "chmod", "tr"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	for _, tt := range []struct {
		name    string
		variant bool
		install func(cache, home string) string // installs the toolchain, returns its go
		pathGo  bool                            // a go on PATH (the reader's own)
	}{
		{"in the cache", false, func(cache, home string) string { return filepath.Join(cache, "toolchains", "go1.13.15") }, false},
		{"in ~/sdk", false, func(cache, home string) string { return filepath.Join(home, "sdk", "go1.13.15") }, false},
		{"fetched by golang.org/dl", false, nil, true},
		{"variant", true, func(cache, home string) string { return filepath.Join(cache, "variants", "go1.13.15+preemptibleloops") }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			cache, home, producer := filepath.Join(root, "cache"), filepath.Join(root, "home"), filepath.Join(root, "producer")
			matrixDir := filepath.Join(root, "m")
			if err := os.MkdirAll(filepath.Join(matrixDir, "cases", "busy loop"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(matrixDir, "cases", "busy loop", "main.go"), []byte("package main\n"), 0o644)
			os.MkdirAll(home, 0o755)
			want := filepath.Join(home, "sdk", "go1.13.15", "bin", "go")
			if tt.install != nil {
				want = installFake(t, tt.install(cache, home))
			}
			path := filepath.Dir(mustLookPath(t, "timeout")) + ":/usr/bin:/bin"
			if tt.pathGo {
				path = filepath.Dir(installFake(t, filepath.Join(root, "reader-go"))) + ":" + path
			}

			// The cell as the producing machine ran it: its own cache, elsewhere.
			c := testCell()
			c.Case.Name = fmt.Sprintf("gomatrix-reproduce-test-%d-%d", os.Getpid(), time.Now().UnixNano())
			c.Toolchain.GOROOT, c.Toolchain.Source = filepath.Join(producer, "toolchains", "go1.13.15"), "cache"
			b := build.Result{GoLine: "1.13", GoMod: "module matrixcase/busy\n\ngo 1.13\n"}
			if tt.variant {
				b.Variant, b.GOROOT = "go1.13.15 rebuilt with GOEXPERIMENT=preemptibleloops", filepath.Join(producer, "variants", "go1.13.15+preemptibleloops")
			}
			cmd := (&Scheduler{CacheDir: producer}).reproduce(c, b)
			t.Cleanup(func() { os.Remove("/tmp/" + c.Case.Name) })

			sh := exec.Command(bash, "-c", cmd)
			sh.Dir = matrixDir
			sh.Env = []string{"PATH=" + path, "HOME=" + home, "GOMATRIX_CACHE=" + cache, "TMPDIR=" + root}
			out, err := sh.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, out)
			}
			exp := "GOEXPERIMENT=preemptibleloops"
			if tt.variant {
				exp = "GOEXPERIMENT=" // baked into the variant
			}
			for _, s := range []string{"built by " + want + " with " + exp + " go.mod module matrixcase/busy  go 1.13 ;",
				"ran with GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 args a b it's"} {
				if !strings.Contains(string(out), s) {
					t.Errorf("%s\nprinted:\n%s\nwant %q", cmd, out, s)
				}
			}
		})
	}
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s", name)
	}
	return p
}
