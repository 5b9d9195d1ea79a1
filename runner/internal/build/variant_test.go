package build

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// fakeGOROOT writes a toolchain of the given version whose make.bash and
// go command run the given shell scripts; either can write the compiler
// that `compile -V` runs. It has the generated files the tools method
// rewrites, the build tools, and a release compiler that reports no
// experiment.
func fakeGOROOT(t *testing.T, version, makeBash, goCmd string) toolchain.Toolchain {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("make.bash is a shell script")
	}
	root := filepath.Join(t.TempDir(), "go")
	tool := "pkg/tool/" + osArch
	for name, body := range map[string]string{
		"bin/go":                                goCmd,
		"src/make.bash":                         makeBash,
		"VERSION":                               version + "\n",
		tool + "/compile":                       "#!/bin/sh\necho compile version " + version + "\n",
		tool + "/asm":                           "release",
		tool + "/link":                          "release",
		tool + "/cgo":                           "release",
		"pkg/" + osArch + "_race/x":             "release",
		"pkg/" + osArch + "/x.a":                "release",
		"src/cmd/internal/objabi/zbootstrap.go": "package objabi\n\nconst version = `" + version + "`\nconst goexperiment = ``\n",
		"src/runtime/internal/sys/zversion.go":  "package sys\n\nconst Goexperiment = ``\n",
		"src/go/build/zcgo.go":                  "package build\n\nconst defaultCGO_ENABLED = \"\"\n",
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return toolchain.Toolchain{Selector: "1.13", Version: version, GOROOT: root, Source: "proxy"}
}

// goodMake writes a compiler that reports $GOEXPERIMENT.
const goodMake = `#!/bin/sh
set -e
[ "$GOROOT_BOOTSTRAP" != "" ] || exit 3
cd ..
tool=$(ls -d pkg/tool/*)
cat > $tool/compile <<EOT
#!/bin/sh
echo "compile version go1.13.15 X:framepointer,$GOEXPERIMENT"
EOT
touch made-by-make.bash
`

// noGo is a go command that cannot rebuild anything.
const noGo = "#!/bin/sh\necho no go here >&2\nexit 1\n"

// goodGo rebuilds like the real go command under the tools method: go
// install of the build tools writes a compiler that reports the
// experiment written in zbootstrap.go, and rewrites the other tools and
// itself. The runtime's constant must not be written yet.
const goodGo = "#!/bin/sh\n" + `set -e
[ "$GOROOT_FINAL" != "" ] && [ "$GOROOT" != "" ] && [ "$GOEXPERIMENT" = "" ] || exit 4
grep -q 'Goexperiment = ..$' "$GOROOT/src/runtime/internal/sys/zversion.go" || exit 6
tool=$(ls -d "$GOROOT"/pkg/tool/*)
case "$*" in
"install cmd/go cmd/compile cmd/asm cmd/link cmd/cgo")
	exp=$(sed -n 's/^const goexperiment = .\(.*\).$/\1/p' "$GOROOT/src/cmd/internal/objabi/zbootstrap.go")
	rm -f "$tool/compile"
	printf '#!/bin/sh\necho "compile version go1.13.15 X:framepointer,%s"\n' "$exp" > "$tool/compile"
	chmod +x "$tool/compile"
	touch "$tool/asm" "$tool/link" "$tool/cgo" "$GOROOT/bin/go"
	mkdir -p "$GOROOT/pkg/OS_ARCH/cmd" && touch "$GOROOT/pkg/OS_ARCH/cmd/x.a" ;;
*) exit 5 ;;
esac
`

const osArch = runtime.GOOS + "_" + runtime.GOARCH

func TestVariant(t *testing.T) {
	tc := fakeGOROOT(t, "go1.13.15", goodMake, noGo)
	b := &Builder{CacheDir: t.TempDir()}
	if !NeedsVariant(tc, "preemptibleloops") || NeedsVariant(tc, "") || NeedsVariant(toolchain.Toolchain{Version: "go1.17.13"}, "x") {
		t.Error("NeedsVariant")
	}
	if b.HasVariant(tc, "preemptibleloops") || b.VariantMethod(tc, "preemptibleloops") != "" {
		t.Fatal("variant before it was built")
	}
	v, exps, err := b.Variant(context.Background(), tc, "preemptibleloops")
	if err != nil {
		t.Fatal(err)
	}
	if exps != "framepointer,preemptibleloops" || v.GOROOT == tc.GOROOT || v.Version != tc.Version || !b.HasVariant(tc, "preemptibleloops") {
		t.Errorf("variant %+v, experiments %q", v, exps)
	}
	// The tools method failed (this go command cannot build): make.bash
	// built it, and the method says so.
	if m := b.VariantMethod(tc, "preemptibleloops"); !strings.HasPrefix(m, "make.bash, as "+MethodInstall+" failed: "+MethodInstall+": go install cmd/go cmd/compile cmd/asm cmd/link cmd/cgo: exit status 1: no go here") {
		t.Errorf("method %q", m)
	}
	// The original toolchain is untouched.
	if _, err := os.Stat(filepath.Join(tc.GOROOT, "made-by-make.bash")); err == nil {
		t.Error("make.bash ran in the original GOROOT")
	}
	// Second use: no make.bash (it would now fail).
	os.WriteFile(filepath.Join(tc.GOROOT, "src", "make.bash"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	if _, _, err := b.Variant(context.Background(), tc, "preemptibleloops"); err != nil {
		t.Errorf("cached variant: %v", err)
	}
}

func TestVariantTools(t *testing.T) {
	tc := fakeGOROOT(t, "go1.16.15", "#!/bin/sh\nexit 1\n", strings.ReplaceAll(goodGo, "OS_ARCH", osArch))
	b := &Builder{CacheDir: t.TempDir()}
	v, exps, err := b.Variant(context.Background(), tc, "preemptibleloops")
	if err != nil {
		t.Fatal(err)
	}
	if m := b.VariantMethod(tc, "preemptibleloops"); exps != "framepointer,preemptibleloops" || m != MethodInstall {
		t.Errorf("experiments %q, method %q", exps, m)
	}
	for file, want := range map[string]string{
		"src/cmd/internal/objabi/zbootstrap.go": "const goexperiment = `preemptibleloops`\n",
		"src/runtime/internal/sys/zversion.go":  "const Goexperiment = `preemptibleloops`\n",
		"src/go/build/zcgo.go":                  "const defaultCGO_ENABLED = \"0\"\n",
	} {
		if data, _ := os.ReadFile(filepath.Join(v.GOROOT, file)); !strings.Contains(string(data), want) {
			t.Errorf("%s = %q, want it to hold %q", file, data, want)
		}
	}
	// The release's packages and those go install added are gone: std is
	// compiled on demand, with the experiment.
	for _, p := range []string{osArch + "_race", osArch + "/cmd", osArch + "/x.a"} {
		if _, err := os.Stat(filepath.Join(v.GOROOT, "pkg", p)); err == nil {
			t.Errorf("pkg/%s left", p)
		}
	}
	// The release is untouched.
	if data, _ := os.ReadFile(filepath.Join(tc.GOROOT, "src/cmd/internal/objabi/zbootstrap.go")); strings.Contains(string(data), "preemptible") {
		t.Error("the release's zbootstrap.go was rewritten")
	}
}

func TestVariantMakeBashOnly(t *testing.T) {
	tests := []struct{ name, version, env string }{
		{"before go1.13", "go1.12.17", ""},
		{"asked for", "go1.15.15", MethodMakeBash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(VariantMethodEnv, tt.env)
			tc := fakeGOROOT(t, tt.version, goodMake, goodGo)
			b := &Builder{CacheDir: t.TempDir()}
			if _, _, err := b.Variant(context.Background(), tc, "preemptibleloops"); err != nil {
				t.Fatal(err)
			}
			if m := b.VariantMethod(tc, "preemptibleloops"); m != MethodMakeBash {
				t.Errorf("method %q", m)
			}
		})
	}
}

func TestVariantFailures(t *testing.T) {
	toolLeft := strings.Replace(goodGo, `rm -f "$tool/compile"`, `cp "$tool/compile" "$tool/compile2"`, 1)
	toolLeft = strings.Replace(toolLeft, `> "$tool/compile"`, `> "$tool/compile2"`, 1)
	tests := []struct {
		name, script, goCmd, want string
	}{
		{"make.bash fails", "#!/bin/sh\necho cannot build >&2\nexit 1\n", noGo, "make.bash: exit status 1: cannot build"},
		{"experiment not in effect", strings.Replace(goodMake, "X:framepointer,$GOEXPERIMENT", "X:framepointer", 1), noGo, `reports experiments "framepointer", without preemptibleloops`},
		{"a tool not rebuilt, then make.bash fails", "#!/bin/sh\nexit 1\n", toolLeft, "make.bash: exit status 1:  (after " + MethodInstall + " failed: " + MethodInstall + ": go install cmd/go cmd/compile cmd/asm cmd/link cmd/cgo: the release's compile was not rebuilt)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := fakeGOROOT(t, "go1.13.15", tt.script, tt.goCmd)
			b := &Builder{CacheDir: t.TempDir()}
			_, _, err := b.Variant(context.Background(), tc, "preemptibleloops")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			// Nothing half-built is left where it would be used.
			left, _ := filepath.Glob(filepath.Join(b.CacheDir, "variants", "*"))
			for _, l := range left {
				if _, err := os.Stat(filepath.Join(l, variantMarker)); err == nil {
					t.Errorf("a failed variant has a completion marker: %s", l)
				}
				if strings.Contains(l, ".tmp-") {
					t.Errorf("temporary directory left: %s", l)
				}
			}
		})
	}
}

// TestVariantToolNotRebuilt: a release tool that go install left as it
// was (here: rewritten, but with the release's date kept) fails the
// tools method.
func TestVariantToolNotRebuilt(t *testing.T) {
	goCmd := strings.Replace(goodGo, `rm -f "$tool/compile"`, `touch -r "$tool/compile" "$GOROOT/ref"`, 1)
	goCmd = strings.Replace(goCmd, `chmod +x "$tool/compile"`, `chmod +x "$tool/compile"; touch -r "$GOROOT/ref" "$tool/compile"`, 1)
	tc := fakeGOROOT(t, "go1.13.15", "#!/bin/sh\nexit 1\n", goCmd)
	b := &Builder{CacheDir: t.TempDir()}
	_, err := b.RebuildVariant(context.Background(), tc, "preemptibleloops", MethodInstall, filepath.Join(t.TempDir(), "v"))
	if err == nil || !strings.Contains(err.Error(), "the release's compile was not rebuilt") {
		t.Fatalf("err = %v, want the tool not rebuilt", err)
	}
}

// TestVariantCancel: the end of ctx stops the rebuild's processes, and
// no make.bash follows.
func TestVariantCancel(t *testing.T) {
	tc := fakeGOROOT(t, "go1.13.15", goodMake, "#!/bin/sh\nsleep 60 & wait\n")
	b := &Builder{CacheDir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := b.Variant(ctx, tc, "preemptibleloops")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if b.HasVariant(tc, "preemptibleloops") {
		t.Error("make.bash ran after the cancel")
	}
}

func TestWriteGenerated(t *testing.T) {
	tc := fakeGOROOT(t, "go1.13.15", "", "")
	if err := writeGenerated(tc.GOROOT, "fieldtrack,noframepointer", toolConstants); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(tc.GOROOT, "src/cmd/internal/objabi/zbootstrap.go"))
	if want := "package objabi\n\nconst version = `go1.13.15`\nconst goexperiment = `fieldtrack,noframepointer`\n"; string(data) != want {
		t.Errorf("zbootstrap.go = %q, want %q", data, want)
	}
	if err := writeGenerated(tc.GOROOT, "a`b", toolConstants); err == nil || !strings.Contains(err.Error(), "not a list of experiment names") {
		t.Errorf("bad experiment: %v", err)
	}
	os.WriteFile(filepath.Join(tc.GOROOT, "src/runtime/internal/sys/zversion.go"), []byte("package sys\n"), 0o644)
	if err := writeGenerated(tc.GOROOT, "x", runtimeConstants); err == nil || !strings.Contains(err.Error(), "runtime/internal/sys/zversion.go: 0 lines match") {
		t.Errorf("missing constant: %v", err)
	}
}

func TestInstallApplies(t *testing.T) {
	for v, want := range map[string]bool{"go1.12.17": false, "go1.13": true, "go1.13.15": true, "go1.16rc1": true, "go1.16.15": true, "go1.17": false, "go1.17rc1": false, "devel": false} {
		if got := installApplies(toolchain.Toolchain{Version: v}); got != want {
			t.Errorf("installApplies(%s) = %v", v, got)
		}
	}
}
