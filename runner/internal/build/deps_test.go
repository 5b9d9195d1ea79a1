package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/deps/depstest"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// depCase writes a case whose main package imports the modules reqs
// ("path@version") from the fake proxy s, with go.sum lines gosum.
func depCase(t *testing.T, name, gosum string, reqs ...string) *matrix.Case {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	os.MkdirAll(dir, 0o755)
	var imports, gomod strings.Builder
	gomod.WriteString("module example.com/case" + name + "\n\ngo 1.17\n")
	for _, r := range reqs {
		path, v, _ := strings.Cut(r, "@")
		imports.WriteString("\t_ \"" + path + "\"\n")
		gomod.WriteString("\nrequire " + path + " " + v + "\n")
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte(gosum), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport (\n"+imports.String()+")\n\nfunc main() {}\n"), 0o644)
	c, err := matrix.LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A case with dependencies builds from the module cache its download
// step filled, offline; a dependency the proxy cannot serve, or that does
// not match go.sum or the checksum database, fails that case's build
// with a reason naming the module, its version and the source.
func TestBuildWithDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the local go")
	}
	files := func(name string) map[string]string { return map[string]string{name + ".go": "package " + name + "\n"} }
	s := depstest.NewServer(t,
		depstest.Module{Path: "example.com/a", Version: "v1.0.0", Files: files("a")},
		depstest.Module{Path: "example.com/missing", Version: "v1.0.0", Missing: true},
		depstest.Module{Path: "example.com/tampered", Version: "v1.1.0", Files: files("tampered"), Tampered: true},
		depstest.Module{Path: "private.example/p", Version: "v0.3.0", Files: files("p"), Private: true},
	)
	local, err := toolchain.Local(context.Background())
	if err != nil {
		t.Skip(err)
	}
	cache := t.TempDir()
	b := &Builder{CacheDir: cache, Net: deps.Net{GOPROXY: s.GOPROXY, GOSUMDB: s.GOSUMDB}}
	wrongSum := "example.com/a v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.com/a v1.0.0/go.mod " + strings.Fields(s.GoSum("example.com/a", "v1.0.0"))[5] + "\n"
	tests := []struct {
		name, gosum string
		reqs        []string
		want        string // "" for a build that succeeds
	}{
		{"ok", s.GoSum("example.com/a", "v1.0.0"), []string{"example.com/a@v1.0.0"}, ""},
		{"notfound", "", []string{"example.com/missing@v1.0.0"}, "dependencies: download example.com/missing@v1.0.0 from http://"},
		{"tampered", "", []string{"example.com/tampered@v1.1.0"}, "example.com/tampered@v1.1.0"},
		{"gosum", wrongSum, []string{"example.com/a@v1.0.0"}, "example.com/a@v1.0.0"},
		{"private", "", []string{"private.example/p@v0.3.0"}, "private.example/p@v0.3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depCase(t, tt.name, tt.gosum, tt.reqs...)
			res, err := b.Build(context.Background(), Request{Case: c, Toolchain: local, Timeout: time.Minute}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && res.Error != "" || tt.want != "" && !strings.Contains(res.Error, tt.want) {
				t.Fatalf("error %q, want %q\n%s", res.Error, tt.want, res.Output)
			}
			if tt.want != "" && (!strings.Contains(res.Error, "hint: ") || strings.Contains(res.Error, "go: downloading")) {
				t.Errorf("reason %q: want a hint and no progress line", res.Error)
			}
			if tt.want == "" && (res.Binary == "" || res.Modules != 1) {
				t.Errorf("binary %q, modules %d", res.Binary, res.Modules)
			}
		})
	}
	t.Cleanup(func() {
		filepath.Walk(cache, func(p string, i os.FileInfo, err error) error { os.Chmod(p, 0o755); return nil })
	})
}

// The go line of a build is the go_line axis value, applied to a copy of
// the case's go.mod; a go.mod the toolchain cannot read is adapted, and
// the adaptation recorded.
func TestGoModForToolchain(t *testing.T) {
	tests := []struct {
		gomod, version, line, want, adapted string
	}{
		{"module m\n\ngo 1.23.0\n\ntoolchain go1.23.4\n", "go1.20.14", "", "module m\n\ngo 1.23\n", "toolchain line removed; go 1.23.0 → go 1.23"},
		{"module m\n\ngo 1.23.0\n\ntoolchain go1.23.4\n", "go1.22.12", "", "module m\n\ngo 1.23.0\n\ntoolchain go1.23.4\n", ""},
		{"module m\n\ngo 1.21\n", "go1.26.8", "1.22", "module m\n\ngo 1.22\n", ""},
		{"module m\n\ngo 1.21\n", "go1.26.8", "toolchain", "module m\n\ngo 1.26\n", ""},
		{"module m\n\ngo 1.24\n\ngodebug panicnil=1\n\ntool example.com/t\n", "go1.22.12", "1.20", "module m\n\ngo 1.20\n", "1 godebug directive(s) removed; 1 tool directive(s) removed"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte(tt.gomod), 0o644)
		var res Result
		r := Request{Case: &matrix.Case{Name: "m"}, Toolchain: toolchain.Toolchain{Version: tt.version}, GoLine: tt.line}
		if err := setGoMod(&res, r, &source{dir: dir}); err != nil || res.Error != "" {
			t.Fatalf("%v %s", err, res.Error)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
		if string(got) != tt.want || res.GoModAdapted != tt.adapted {
			t.Errorf("%q with %s, go_line %q:\ngot  %q (%q)\nwant %q (%q)", tt.gomod, tt.version, tt.line, got, res.GoModAdapted, tt.want, tt.adapted)
		}
	}
}
