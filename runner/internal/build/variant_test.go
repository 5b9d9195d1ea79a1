package build

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// fakeGOROOT writes a toolchain whose make.bash runs the given shell
// script body; the script can write the compiler that `compile -V` runs.
func fakeGOROOT(t *testing.T, makeBash string) toolchain.Toolchain {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("make.bash is a shell script")
	}
	root := filepath.Join(t.TempDir(), "go")
	for name, body := range map[string]string{
		"bin/go":        "#!/bin/sh\necho go version go1.13.15 linux/amd64\n",
		"src/make.bash": makeBash,
		"VERSION":       "go1.13.15\n",
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15", GOROOT: root, Source: "proxy"}
}

const goodMake = `#!/bin/sh
set -e
[ "$GOROOT_BOOTSTRAP" != "" ] || exit 3
mkdir -p ../pkg/tool/linux_amd64
cat > ../pkg/tool/linux_amd64/compile <<EOT
#!/bin/sh
echo "compile version go1.13.15 X:framepointer,$GOEXPERIMENT"
EOT
chmod +x ../pkg/tool/linux_amd64/compile
`

func TestVariant(t *testing.T) {
	tc := fakeGOROOT(t, goodMake)
	b := &Builder{CacheDir: t.TempDir()}
	if !NeedsVariant(tc, "preemptibleloops") || NeedsVariant(tc, "") || NeedsVariant(toolchain.Toolchain{Version: "go1.17.13"}, "x") {
		t.Error("NeedsVariant")
	}
	if b.HasVariant(tc, "preemptibleloops") {
		t.Fatal("variant before it was built")
	}
	v, exps, err := b.Variant(context.Background(), tc, "preemptibleloops")
	if err != nil {
		t.Fatal(err)
	}
	if exps != "framepointer,preemptibleloops" || v.GOROOT == tc.GOROOT || v.Version != tc.Version || !b.HasVariant(tc, "preemptibleloops") {
		t.Errorf("variant %+v, experiments %q", v, exps)
	}
	// The original toolchain is untouched.
	if _, err := os.Stat(filepath.Join(tc.GOROOT, "pkg", "tool")); err == nil {
		t.Error("make.bash ran in the original GOROOT")
	}
	// Second use: no make.bash (it would now fail).
	os.WriteFile(filepath.Join(tc.GOROOT, "src", "make.bash"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	if _, _, err := b.Variant(context.Background(), tc, "preemptibleloops"); err != nil {
		t.Errorf("cached variant: %v", err)
	}
}

func TestVariantFailures(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"make.bash fails", "#!/bin/sh\necho cannot build >&2\nexit 1\n", "make.bash: exit status 1: cannot build"},
		{"experiment not in effect", strings.Replace(goodMake, "X:framepointer,$GOEXPERIMENT", "X:framepointer", 1), `reports experiments "framepointer", without preemptibleloops`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := fakeGOROOT(t, tt.script)
			b := &Builder{CacheDir: t.TempDir()}
			_, _, err := b.Variant(context.Background(), tc, "preemptibleloops")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			// Nothing half-built is left where it would be used.
			left, _ := filepath.Glob(filepath.Join(b.CacheDir, "variants", "*"))
			for _, l := range left {
				if _, err := os.Stat(filepath.Join(l, variantMarker)); err == nil && tt.name == "make.bash fails" {
					t.Errorf("a failed variant has a completion marker: %s", l)
				}
				if strings.Contains(l, ".tmp-") {
					t.Errorf("temporary directory left: %s", l)
				}
			}
		})
	}
}
