package toolchaintest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/module"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// What a fake toolchain's programs do, as Fake.Behave returns it: the
// outcomes of package results, and Flaky.
const (
	Complete   = results.Complete   // print "hi", exit 0
	Hang       = results.Hang       // sleep for a minute
	Fail       = results.Fail       // print a panic line, exit 2
	BuildError = results.BuildError // go build fails: internal compiler error
	// Flaky fails on the first run of the binary and completes on the
	// others: with repeat 3, complete 2/3.
	Flaky = "flaky"
)

// programs are what the fake `go build -o "$out"` does for each
// behaviour: write $out, or fail the build.
var programs = []struct{ behave, sh string }{
	{BuildError, `echo "./main.go:3:6: internal compiler error: fake crash" >&2; exit 1`},
	{Complete, `printf '#!/bin/sh\necho hi\n' > "$out"`},
	{Hang, `printf '#!/bin/sh\nexec sleep 60\n' > "$out"`},
	{Fail, `printf '#!/bin/sh\necho "panic: fake" >&2\nexit 2\n' > "$out"`},
	{Flaky, `printf '#!/bin/sh\nif mkdir "$0.ran" 2>/dev/null; then exit 3; fi\necho hi\n' > "$out"`},
}

// toolchainModule is the module path toolchains are served under.
const toolchainModule = "golang.org/toolchain"

// A Fake describes fake toolchains. Its zero value is the toolchains of
// the host's platform whose programs all complete.
type Fake struct {
	// Releases are every release there is ("go1.14.2"); the proxy serves
	// and lists them.
	Releases []string
	// Installed are installed in an Env's cache before the test; the
	// proxy serves the others too.
	Installed []string
	// Experiments are the GOEXPERIMENT values, besides "", programs may be
	// built with; any other is an unknown experiment, a build error.
	Experiments []string
	// Behave says what programs built by release v with GOEXPERIMENT exp
	// do: Complete, Hang, Fail, BuildError or Flaky. Nil means Complete.
	Behave func(v, exp string) string
	// Offline, instead of a proxy, gives an Env a cached list of the
	// releases and GOMATRIX_OFFLINE=1: those not installed cannot be had.
	Offline bool
	// GOOS and GOARCH name the platform the toolchains are for; empty
	// means the host's.
	GOOS, GOARCH string
}

func (f Fake) platform() (goos, goarch string) {
	goos, goarch = f.GOOS, f.GOARCH
	if goos == "" {
		goos = runtime.GOOS
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	return goos, goarch
}

func (f Fake) behave(v, exp string) string {
	if f.Behave == nil {
		return Complete
	}
	return f.Behave(v, exp)
}

// Module returns the module fake v is served as by a proxy:
// golang.org/toolchain@v0.0.1-<v>.<goos>-<goarch>.
func (f Fake) Module(v string) module.Version {
	goos, goarch := f.platform()
	return module.Version{Path: toolchainModule, Version: "v0.0.1-" + v + "." + goos + "-" + goarch}
}

// Tree returns the files of fake toolchain v, by slash-separated path
// under its GOROOT: what a module zip of it holds.
func (f Fake) Tree(v string) map[string]string {
	goos, goarch := f.platform()
	return map[string]string{
		"VERSION":   v + "\ntime 2020-08-06T14:45:57Z\n",
		"bin/go":    f.goScript(v),
		"bin/gofmt": "#!/bin/sh\nexit 0\n",
		"pkg/tool/" + goos + "_" + goarch + "/compile": "#!/bin/sh\nexit 0\n",
		"src/_go.mod":           "module std\n",
		"src/cmd/_go.mod":       "module cmd\n",
		"src/runtime/extern.go": "package runtime\n" + strings.Repeat("// padding so the zip has some size\n", 200),
		"lib/time/README":       "zoneinfo\n",
	}
}

// goScript is the bin/go of fake release v.
func (f Fake) goScript(v string) string {
	goos, goarch := f.platform()
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
`, v, goos, goarch, f.behave(v, ""))
	for _, exp := range f.Experiments {
		fmt.Fprintf(&b, "%s) behave=%s ;;\n", exp, f.behave(v, exp))
	}
	b.WriteString(`*) echo "go: unknown GOEXPERIMENT $GOEXPERIMENT" >&2; exit 2 ;;
esac
case "$behave" in
`)
	for _, p := range programs {
		fmt.Fprintf(&b, "%s) %s ;;\n", p.behave, p.sh)
	}
	b.WriteString(`*) echo "fake go: unknown behaviour $behave" >&2; exit 2 ;;
esac
chmod +x "$out"
`)
	return b.String()
}

// executable reports whether the file at path in a tree is a program:
// under bin/ or pkg/tool/.
func executable(path string) bool {
	return strings.HasPrefix(path, "bin/") || strings.HasPrefix(path, "pkg/tool/")
}

// ModuleZip returns the zip of mod holding files, as a proxy serves it:
// every path under "<path>@<version>/".
func ModuleZip(t testing.TB, mod module.Version, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(mod.String() + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// releaseTarGz returns a release archive of files as dl.google.com
// serves it: every path under "go/", with modes, and real go.mod files.
func releaseTarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "go/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, name := range slices.Sorted(maps.Keys(files)) {
		mode := int64(0o644)
		if executable(name) {
			mode = 0o755
		}
		body := files[name]
		name = strings.ReplaceAll(name, "_go.mod", "go.mod")
		if err := tw.WriteHeader(&tar.Header{Name: "go/" + name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
