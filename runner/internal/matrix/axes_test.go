package matrix

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// expandIDs parses a matrix with cases (name → case.yaml), expands it over
// three toolchains and returns the cell IDs, skips marked.
func expandIDs(t *testing.T, matrix string, cases map[string]string) ([]string, error) {
	t.Helper()
	root := t.TempDir()
	for name, yaml := range cases {
		writeCase(t, root, name, yaml)
	}
	m, err := Parse(filepath.Join(root, "matrix.yaml"), []byte(matrix))
	if err != nil {
		return nil, err
	}
	cs, err := m.LoadCases()
	if err != nil {
		return nil, err
	}
	cells, err := m.Expand(cs, map[string][]toolchain.Toolchain{
		">=1.20": {tc(">=1.20", "go1.20.14"), tc(">=1.20", "go1.22.12")},
		"local":  {tc("local", "go1.26.8")},
	})
	var ids []string
	for _, c := range cells {
		id := c.ID()
		if c.Skip != "" {
			id += " skip: " + c.Skip
		}
		ids = append(ids, id)
	}
	return ids, err
}

func TestGoLineAxis(t *testing.T) {
	ids, err := expandIDs(t, "versions: ['>=1.20']\ngo_line: [toolchain, '1.21', '1.22.0']\n", map[string]string{"a": ""})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a go1.20.14 L=toolchain",
		"a go1.20.14 L=1.21 skip: go line 1.21 is newer than go1.20.14",
		"a go1.20.14 L=1.22.0 skip: go line 1.22.0 is newer than go1.20.14",
		"a go1.22.12 L=toolchain",
		"a go1.22.12 L=1.21",
		"a go1.22.12 L=1.22.0",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
}

func TestGoLineErrors(t *testing.T) {
	for src, want := range map[string]string{
		"go_line: [1.21, 1.20]\n": "", // YAML floats, kept as written
		"go_line: [go1.21]\n":     `go_line[0]: "go1.21" is not a go line`,
		"go_line: ['1.x']\n":      `"1.x" is not a go line`,
		"go_line: ['', '']\n":     `go_line[1]: duplicate value ""`,
		"go_line: [toolchain]\n":  "",
	} {
		_, err := Parse("matrix.yaml", []byte(src))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

func TestCaseAxes(t *testing.T) {
	matrix := "versions: ['>=1.20', local]\ngomaxprocs: [1, 2]\n"
	ids, err := expandIDs(t, matrix, map[string]string{
		"p": "godebug: ['', panicnil=1]\nversions: ['>=1.22']\ngomaxprocs: [1]\n",
		"q": "godebug: [asynctimerchan=1]\ngo_line: ['1.22']\n",
		"r": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"q go1.20.14 P=1 D=asynctimerchan=1 L=1.22 skip: go line 1.22 is newer than go1.20.14",
		"q go1.20.14 P=2 D=asynctimerchan=1 L=1.22 skip: go line 1.22 is newer than go1.20.14",
		"r go1.20.14 P=1",
		"r go1.20.14 P=2",
		"p go1.22.12 P=1",
		"p go1.22.12 P=1 D=panicnil=1",
		"q go1.22.12 P=1 D=asynctimerchan=1 L=1.22",
		"q go1.22.12 P=2 D=asynctimerchan=1 L=1.22",
		"r go1.22.12 P=1",
		"r go1.22.12 P=2",
		"p go1.26.8 P=1",
		"p go1.26.8 P=1 D=panicnil=1",
		"q go1.26.8 P=1 D=asynctimerchan=1 L=1.22",
		"q go1.26.8 P=2 D=asynctimerchan=1 L=1.22",
		"r go1.26.8 P=1",
		"r go1.26.8 P=2",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
}

func TestCaseAxesContradictions(t *testing.T) {
	matrix := "versions: ['>=1.20']\ngodebug: ['', panicnil=1]\n"
	for yaml, want := range map[string]string{
		"godebug: []\n":                         `case.yaml:1:10: godebug: empty list`,
		"godebug: [panicnil]\n":                 `godebug[0]: "panicnil": "panicnil" is not a key=value setting`,
		"go_line: [go1.22]\n":                   `go_line[0]: "go1.22" is not a go line`,
		"gomaxprocs: [-1]\n":                    `gomaxprocs[0]: -1 is out of range`,
		"versions: ['1.18']\n":                  `case.yaml:1:11: versions: case a: "1.18" selects none of the matrix's toolchains`,
		"versions: ['1.20']\ngo: '>=1.22'\n":    `its go constraint ">=1.22" excludes every toolchain its versions select`,
		"module: golang.org/x/sync\n":           `module: "golang.org/x/sync" has no @version`,
		"module: golang.org/x/sync@latest\n":    `module: golang.org/x/sync@latest: invalid version`,
		"module: x.y/z@v1.0.0\npackage: ../a\n": `package: "../a" is not a path inside the module`,
		"package: ./x\n":                        `package without module`,
	} {
		_, err := expandIDs(t, matrix, map[string]string{"a": yaml})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("case.yaml %q: error %v\nwant it to contain %q", yaml, err, want)
		}
	}
}

func TestModuleCase(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "m")
	mustWrite(t, filepath.Join(dir, CaseFile), "module: golang.org/x/sync@v0.10.0\npackage: ./errgroup\n")
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Module.String() != "golang.org/x/sync@v0.10.0" || c.Package != "./errgroup" || c.HasProgram {
		t.Errorf("case = %+v", c)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTestCaseKind(t *testing.T) {
	root := t.TempDir()
	write := func(dir string, files map[string]string) string {
		for name, data := range files {
			mustWrite(t, filepath.Join(root, dir, name), data)
		}
		return filepath.Join(root, dir)
	}
	for _, tt := range []struct {
		dir   string
		files map[string]string
		kind  string
	}{
		{"lib", map[string]string{"a.go": "package lib\n", "a_test.go": "package lib\n"}, KindTest},
		{"onlytests", map[string]string{"a_test.go": "package x\n"}, KindTest},
		{"prog", map[string]string{"main.go": "package main\n", "main_test.go": "package main\n"}, ""},
		{"forced", map[string]string{"main.go": "package main\n", "main_test.go": "package main\n", CaseFile: "kind: test\ntest: {run: '^TestA$', count: 2, short: true, cpu: '1,2', flags: [-test.benchtime=1x]}\n"}, KindTest},
		{"program", map[string]string{"a.go": "package lib\n", "a_test.go": "package lib\n", CaseFile: "kind: program\n"}, ""},
	} {
		c, err := LoadCase(write(tt.dir, tt.files))
		if err != nil || c.Kind != tt.kind {
			t.Errorf("%s: kind %q, %v; want %q", tt.dir, c.Kind, err, tt.kind)
		}
	}
	c, _ := LoadCase(filepath.Join(root, "forced"))
	if want := (TestFlags{Run: "^TestA$", Count: 2, Short: true, CPU: "1,2", Flags: []string{"-test.benchtime=1x"}}); !reflect.DeepEqual(c.Test, want) {
		t.Errorf("test flags %+v, want %+v", c.Test, want)
	}
	for yaml, want := range map[string]string{
		"kind: tests\n":                          `kind: unknown kind "tests"`,
		"kind: test\ncomplete_on: {output: x}\n": "complete_on, self_ms and args do not apply to a test case",
		"test: {run: x}\n":                       "test flags for a case that is not a test case",
		"kind: test\ntest: {run: '('}\n":         `test.run: bad regular expression "("`,
		"kind: test\ntest: {verbose: true}\n":    `test.verbose: unknown key "verbose"`,
	} {
		dir := write("bad"+strconv.Itoa(len(yaml)), map[string]string{"main.go": "package main\n", CaseFile: yaml})
		if _, err := LoadCase(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("case.yaml %q: %v, want %q", yaml, err, want)
		}
	}
}

func TestPackages(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"a.go", "x/x.go", "x/y/y_test.go", "x/testdata/t.go", "vendor/v/v.go", "_skip/s.go", ".hidden/h.go", "nested/go.mod", "nested/n.go", "empty/README"} {
		mustWrite(t, filepath.Join(root, f), "package p\n")
	}
	for pat, want := range map[string]string{
		"./...":   ". ./x ./x/y",
		"./x/...": "./x ./x/y",
		"./x":     "./x",
	} {
		got, err := Packages(root, pat)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("Packages(%q) = %q, %v; want %q", pat, got, err, want)
		}
	}
	c := &Case{Name: "m", Hash: "h", Packages: "./..."}
	if p := c.ForPackage("./x/y"); p.Name != "m/x/y" || p.Package != "./x/y" || p.Packages != "" || p.Hash == c.Hash {
		t.Errorf("ForPackage: %+v", p)
	}
	if p := c.ForPackage("."); p.Name != "m" {
		t.Errorf("ForPackage(.): %+v", p)
	}
}
