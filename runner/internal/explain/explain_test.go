package explain

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func cell(name, godebug, lineAxis, line, outcome string) results.Cell {
	return results.Cell{Case: name, Selector: "local", Go: "go1.26.8", GODEBUG: godebug, GoLineAxis: lineAxis, GoLine: line, Outcome: outcome}
}

func TestCanonicalID(t *testing.T) {
	for in, want := range map[string]string{
		// Today's names, which leave unset settings out.
		"loopvar go1.26.8 L=1.22":              "loopvar go1.26.8 L=1.22",
		"busyloop go1.13.15 P=1 [linux/amd64]": "busyloop go1.13.15 P=1 [linux/amd64]",
		"busyloop go1.13.15":                   "busyloop go1.13.15",
		"busyloop go1.14.15 E=x P=1":           "busyloop go1.14.15 P=1 E=x", // in the names' order
		"loopvar  go1.26.8  L=1.22 ":           "loopvar go1.26.8 L=1.22",
		// Earlier reports' names, matrix.Cell.ID, and typed dashes.
		"loopvar go1.26.8 P=– D=– E=– L=1.22":           "loopvar go1.26.8 L=1.22",
		"loopvar  go1.26.8 P= D= E=  L=1.22 ":           "loopvar go1.26.8 L=1.22",
		"loopvar go1.26.8 P=- D=- E=-":                  "loopvar go1.26.8",
		"busyloop go1.14.15 P=1 D=a=1,b=2 E=–":          "busyloop go1.14.15 P=1 D=a=1,b=2",
		"busyloop go1.14.15 P=1 D=x=– E=– [os]":         "busyloop go1.14.15 P=1 D=x=– [os]",
		"busyloop go1.13.15 P=1 D=– E=– [darwin/arm64]": "busyloop go1.13.15 P=1 [darwin/arm64]",
	} {
		if got := CanonicalID(in); got != want {
			t.Errorf("CanonicalID(%q) = %q, want %q", in, got, want)
		}
	}
}

// A cell's name in every spelling (today's, an earlier runner's, a
// matrix cell's) is the same name.
func TestCanonicalIDSpellings(t *testing.T) {
	c := results.Cell{Case: "busyloop", Go: "go1.13.15", GOMAXPROCS: 1, GOEXPERIMENT: "preemptibleloops"}
	m := matrix.Cell{Case: &matrix.Case{Name: "busyloop"}, GOMAXPROCS: 1, GOEXPERIMENT: "preemptibleloops"}
	m.Toolchain.Version = "go1.13.15"
	want := CanonicalID(c.ID())
	for _, id := range []string{c.LegacyID(), m.ID(), "busyloop go1.13.15 P=1 D=- E=preemptibleloops"} {
		if got := CanonicalID(id); got != want {
			t.Errorf("CanonicalID(%q) = %q, want %q as for %q", id, got, want, c.ID())
		}
	}
}

func TestFindCell(t *testing.T) {
	cells := []results.Cell{
		cell("loopvar", "", "1.21", "1.21", results.Fail),
		cell("loopvar", "", "1.22", "1.22", results.Complete),
		cell("randseed", "", "", "1.26", results.Fail),
		cell("randseed", "randseednop=0", "", "1.26", results.Complete),
		cell("procs", "", "", "1.26", results.Complete),
		cell("procs", "", "", "1.26", results.Complete),
		cell("procs", "x=1", "", "1.26", results.Complete),
	}
	cells[4].GOMAXPROCS, cells[5].GOMAXPROCS, cells[6].GOMAXPROCS = 1, 12, 1
	for _, tc := range []struct {
		id   string
		want int
		err  string
	}{
		{"loopvar go1.26.8 L=1.22", 1, ""},             // today's name
		{"loopvar go1.26.8 P=– D=– E=– L=1.22", 1, ""}, // an earlier report's
		{"loopvar go1.26.8 P= D= E= L=1.21", 0, ""},    // a matrix cell's
		{"loopvar go1.26.8 P=- D=- E=- L=1.2", -1, `names 2 cells: "loopvar go1.26.8 L=1.21", "loopvar go1.26.8 L=1.22"`},
		{"loopvar go1.26.8", -1, `names 2 cells`},
		{"loopvar go1.26.8 P=– D=– E=– L=", -1, `names 2 cells`}, // "L=" being typed
		{"loopvar go1.26.8 L=–", -1, "the cells of loopvar are"}, // L named unset
		{"randseed go1.26.8 P= D= E=", 2, ""},                    // exact, though a prefix of the next
		{"randseed go1.26.8", 2, ""},                             // exact too
		{"randseed go1.26.8 P= D=rand", 3, ""},                   // a value cut short
		{"randseed go1.26.8 D=randseednop=0", 3, ""},
		{"randseed go1.26", -1, "names 2 cells"}, // a version cut short
		{"procs go1.26.8 P=1", 4, ""},            // not P=12, nor D=x=1
		{"procs go1.26.8 P=1 D=– E=–", 4, ""},
		{"procs go1.26.8 D=x=1", 6, ""},     // P left out: any GOMAXPROCS
		{"procs go1.26.8 D=x=1 P=1", 6, ""}, // settings in any order
		{"procs go1.26.8 P=12 D=x=1", -1, "the cells of procs are"},
		{"loopvar go1.13.15 P= D= E=", -1, "the cells of loopvar are"},
		{"nosuch go1.26.8", -1, `no case "nosuch" ran`},
		{"  ", -1, "no cell named"},
	} {
		got, err := FindCell(cells, tc.id)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("FindCell(%q) = %d, %v; want %d, error containing %q", tc.id, got, err, tc.want, tc.err)
		}
	}
}

// Results merged from several hosts name the host: a name that does not
// is the only cell of its settings on any host, else ambiguous.
func TestFindCellHost(t *testing.T) {
	cells := []results.Cell{
		{Case: "b", Go: "go1.26.8", GOMAXPROCS: 1, OS: "linux/amd64"},
		{Case: "b", Go: "go1.26.8", GOMAXPROCS: 1, OS: "darwin/arm64"},
	}
	for id, want := range map[string]int{
		"b go1.26.8 P=1 [darwin/arm64]":         1,
		"b go1.26.8 P=1 D=– E=– [darwin/arm64]": 1,
		"b go1.26.8 P=1 [linux/amd64]":          0,
		"b go1.26.8 P=1":                        -1,
	} {
		if got, _ := FindCell(cells, id); got != want {
			t.Errorf("FindCell(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestChoose(t *testing.T) {
	lv21 := cell("lv", "", "1.21", "1.21", results.Fail)
	lv22 := cell("lv", "", "1.22", "1.22", results.Complete)
	lv20 := cell("lv", "", "1.20", "1.20", results.Complete)
	lv26 := cell("lv", "", "", "1.26", results.Complete) // no go_line value: the toolchain's
	rs := cell("rs", "", "", "1.26", results.Fail)
	rs0 := cell("rs", "randseednop=0", "", "1.26", results.Complete)
	rsP := cell("rs", "panicnil=1", "", "1.26", results.Complete) // a second partner
	rsA := cell("rs", "asyncpreemptoff=1", "", "1.26", results.Fail)
	rsA0 := cell("rs", "asyncpreemptoff=1,randseednop=0", "", "1.26", results.Complete)
	other := cell("rs", "randseednop=0", "", "1.26", results.Complete)
	other.GOMAXPROCS = 1 // not a partner: another GOMAXPROCS
	for _, tc := range []struct {
		name    string
		cells   []results.Cell
		x       results.Cell
		want    *Change
		change  Change
		base    string // the base's GODEBUG / go line
		baseOut string
		changed string // the changed cell's outcome; "" when none
		err     string
	}{
		{name: "go line, newer named", cells: []results.Cell{lv21, lv22}, x: lv22, change: Change{Compile, Loopvar}, base: "1.21", baseOut: results.Fail, changed: results.Complete},
		{name: "go line, older named", cells: []results.Cell{lv21, lv22}, x: lv21, change: Change{Compile, Loopvar}, base: "1.21", baseOut: results.Fail, changed: results.Complete},
		{name: "two newer go lines, one bisection", cells: []results.Cell{lv26, lv21, lv22}, x: lv21, change: Change{Compile, Loopvar}, base: "1.21", baseOut: results.Fail, changed: results.Complete},
		{name: "go lines that do not cross 1.22", cells: []results.Cell{lv20, lv21}, x: lv21, err: "do not cross 1.22"},
		{name: "godebug, without named", cells: []results.Cell{rs, rs0, other}, x: rs, change: Change{GODEBUG, "randseednop=0"}, base: "", baseOut: results.Fail, changed: results.Complete},
		{name: "godebug, with named", cells: []results.Cell{rs, rs0}, x: rs0, change: Change{GODEBUG, "randseednop=0"}, base: "", baseOut: results.Fail, changed: results.Complete},
		{name: "godebug beside another setting", cells: []results.Cell{rsA, rsA0}, x: rsA0, change: Change{GODEBUG, "randseednop=0"}, base: "asyncpreemptoff=1", baseOut: results.Fail, changed: results.Complete},
		{name: "two partners", cells: []results.Cell{rs, rs0, rsP}, x: rs, err: "has 2 changes to explain"},
		{name: "two partners, one named", cells: []results.Cell{rs, rs0, rsP}, x: rs, want: &Change{GODEBUG, "panicnil=1"}, change: Change{GODEBUG, "panicnil=1"}, base: "", baseOut: results.Fail, changed: results.Complete},
		{name: "same outcome: no partner", cells: []results.Cell{rs, rsA}, x: rs, err: "no cell that differs from it only in GODEBUG or in the go line has another outcome"},
		{name: "named, no partner, without it", cells: []results.Cell{rs}, x: rs, want: &Change{GODEBUG, "x509sha1=1"}, change: Change{GODEBUG, "x509sha1=1"}, base: "", baseOut: results.Fail},
		{name: "named, no partner, with it", cells: []results.Cell{rs0}, x: rs0, want: &Change{GODEBUG, "randseednop=0"}, change: Change{GODEBUG, "randseednop=0"}, base: "", baseOut: "", changed: results.Complete},
		{name: "named loopvar on an old line", cells: []results.Cell{lv21}, x: lv21, want: &Change{Compile, Loopvar}, change: Change{Compile, Loopvar}, base: "1.21", baseOut: results.Fail},
		{name: "named loopvar on a new line", cells: []results.Cell{lv22}, x: lv22, want: &Change{Compile, Loopvar}, change: Change{Compile, Loopvar}, base: "1.22", baseOut: "", changed: results.Complete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Choose(tc.cells, tc.x, tc.want)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "\nhint: ") {
					t.Fatalf("error %v, want one containing %q and a hint", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			base := p.Base.GODEBUG
			if tc.change.Mode == Compile {
				base = p.Base.GoLine
			}
			changed := ""
			if p.Changed != nil {
				changed = p.Changed.Outcome
			}
			if p.Change != tc.change || base != tc.base || p.Base.Outcome != tc.baseOut || changed != tc.changed || p.Why == "" {
				t.Errorf("got %v base %q (%q) changed %q why %q;\nwant %v base %q (%q) changed %q", p.Change, base, p.Base.Outcome, changed, p.Why,
					tc.change, tc.base, tc.baseOut, tc.changed)
			}
		})
	}
}

func TestCheckToolchain(t *testing.T) {
	for _, tc := range []struct {
		change Change
		v      string
		err    string
	}{
		{Change{GODEBUG, "randseednop=0"}, "go1.20.14", "explain -godebug needs go1.21 or later, and the cell's toolchain is go1.20.14"},
		{Change{GODEBUG, "randseednop=0"}, "go1.21.0", ""},
		{Change{Compile, Loopvar}, "go1.21.13", "explain -compile loopvar needs go1.22 or later, and the cell's toolchain is go1.21.13"},
		{Change{Compile, Loopvar}, "go1.22.0", ""},
		{Change{Compile, Loopvar}, "go1.26.8", ""},
		{Change{Compile, "fma"}, "go1.26.8", "knows only -compile loopvar"},
	} {
		err := CheckToolchain(tc.change, tc.v)
		if (err == nil) != (tc.err == "") || err != nil && (!strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "\nhint: ")) {
			t.Errorf("CheckToolchain(%v, %s) = %v, want %q", tc.change, tc.v, err, tc.err)
		}
	}
}

func TestCheckSetting(t *testing.T) {
	table := []Setting{{Name: "panicnil", Package: "runtime", Changed: 21, Old: "1"}, {Name: "randseednop", Package: "math/rand", Changed: 24, Old: "0"},
		{Name: "allowmultiplevcs", Package: "cmd/go"}, {Name: "httpmuxgo121", Package: "net/http", Changed: 22, Old: "1"}}
	for key, want := range map[string]string{
		"randseednop": "", "#undocumented": "",
		"panicnil":         "read by the runtime itself",
		"asyncpreemptoff":  "not in the toolchain's table",
		"allowmultiplevcs": "read by cmd/go, not by the program",
	} {
		err := CheckSetting(table, key)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckSetting(%s) = %v, want %q", key, err, want)
		}
	}
	if err := CheckSetting(nil, "anything"); err != nil {
		t.Errorf("no table: %v", err)
	}
	if got := ChangedBetween(table, "1.21", "1.22"); !slices.Equal(got, []string{"-godebug httpmuxgo121=1"}) {
		t.Errorf("ChangedBetween 1.21 1.22 = %v", got)
	}
}

// The local toolchain's own table says what can be bisected.
func TestReadSettings(t *testing.T) {
	table := ReadSettings(runtime.GOROOT())
	if len(table) < 20 {
		t.Fatalf("read %d settings from %s", len(table), runtime.GOROOT())
	}
	if err := CheckSetting(table, "panicnil"); err == nil {
		t.Error("panicnil: no error")
	}
	if err := CheckSetting(table, "randseednop"); err != nil {
		t.Error(err)
	}
	if ReadSettings(t.TempDir()) != nil {
		t.Error("a table where there is none")
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// ParseOutput reads what bisect printed on real runs: two loops
// (-compile=loopvar, -trimpath) and two calls of rand.Seed
// (-godebug=randseednop=0).
func TestParseOutput(t *testing.T) {
	sets := ParseOutput(readTestdata(t, "loopvar-two.txt"), "/usr/local/go")
	var got []string
	for _, s := range sets {
		for _, l := range s.Locations {
			got = append(got, l.String()+": "+l.Text)
		}
	}
	want := []string{"example.com/lv3/main.go:10:9: loop variable j now per-iteration", "example.com/lv3/main.go:7:6: loop variable i now per-iteration"}
	if !slices.Equal(got, want) || sets[1].N != 2 {
		t.Errorf("loopvar: got %q, want %q", got, want)
	}

	sets = ParseOutput(readTestdata(t, "randseed-two.txt"), "/usr/local/go")
	got = nil
	for _, s := range sets {
		for _, l := range s.Locations {
			got = append(got, l.String()+": "+l.Text)
		}
	}
	want = []string{"/tmp/rs/main.go:12: main.main calls math/rand.Seed", "/tmp/rs/main.go:10: main.main calls math/rand.Seed"}
	if !slices.Equal(got, want) {
		t.Errorf("randseed: got %q, want %q", got, want)
	}
	if st := sets[0].Locations[0].Stack; len(st) != 5 || st[1] != (Frame{"math/rand.Seed", "/usr/local/go/src/math/rand/rand.go", 401}) {
		t.Errorf("stack %v", st)
	}
}

// A set of two changes that fail only together gives two locations; a
// stack entirely in GOROOT gives its innermost frame but internal/godebug.
func TestParseOutputSets(t *testing.T) {
	out := "noise\n--- change set #1 (enabling changes causes failure)\n" +
		"/c/main.go:5:6: loop variable i now per-iteration\n/c/util.go:9:2: loop variable k now per-iteration\n---\n" +
		"--- change set #2 (enabling changes causes failure)\n" +
		"internal/godebug.(*Setting).Value()\n\t/go/src/internal/godebug/godebug.go:165\n" +
		"net/http.(*ServeMux).Handle()\n\t/go/src/net/http/server.go:2800\n\n---\n"
	sets := ParseOutput(out, "/go")
	if len(sets) != 2 || len(sets[0].Locations) != 2 || len(sets[1].Locations) != 1 {
		t.Fatalf("sets %+v", sets)
	}
	if l := sets[0].Locations[1]; l.String() != "/c/util.go:9:2" {
		t.Errorf("second location %s", l)
	}
	if l := sets[1].Locations[0]; l.String() != "/go/src/net/http/server.go:2800" || l.Text != "in net/http.(*ServeMux).Handle" {
		t.Errorf("GOROOT stack: %s %q", l, l.Text)
	}
}

func TestCompileEnv(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		all  bool
		want []string
	}{
		{nil, false, []string{"GOFLAGS=-trimpath -gcflags=./...=-d=loopvarhash=+01"}},
		{[]string{"GOFLAGS=-mod=mod", "CGO_ENABLED=1", "GOFLAGS=-tags=x"}, false, []string{"GOFLAGS=-mod=mod", "CGO_ENABLED=1", "GOFLAGS=-tags=x -trimpath -gcflags=./...=-d=loopvarhash=+01"}},
		{[]string{"A=1"}, true, []string{"A=1", "GOCOMPILEDEBUG=loopvarhash=+01", "GOFLAGS=-trimpath"}},
	} {
		if got := CompileEnv(tc.env, "loopvarhash=+01", tc.all); !slices.Equal(got, tc.want) {
			t.Errorf("CompileEnv(%q, all=%v) = %q, want %q", tc.env, tc.all, got, tc.want)
		}
	}
	if got := CompileEnv([]string{"A=1"}, "", false); !slices.Equal(got, []string{"A=1"}) {
		t.Errorf("no pattern: %q", got)
	}
}

func TestRewritePaths(t *testing.T) {
	c := &matrix.Case{Dir: "/cases/lv", HasProgram: true}
	res := build.Result{Dir: "/cache/builds/0123/src", GoMod: "module matrixcase/lv\n\ngo 1.21\n"}
	out := "# matrixcase/lv\n./main.go:3:4: x [bisect-match 0x1]\nmatrixcase/lv/sub/a.go:1:2: y\nmain.main()\n\t/cache/builds/0123/src/main.go:7\n"
	want := "# matrixcase/lv\n/cases/lv/main.go:3:4: x [bisect-match 0x1]\n/cases/lv/sub/a.go:1:2: y\nmain.main()\n\t/cases/lv/main.go:7\n"
	if got := rewritePaths(out, res, c); got != want {
		t.Errorf("rewritePaths:\n%s\nwant\n%s", got, want)
	}
}

// go.mod pins the bisect explain installs: the tool directive's module
// is required at BisectVersion.
func TestBisectVersionMatchesGoMod(t *testing.T) {
	path := filepath.Join("..", "..", "..", "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(f.Tool, func(tl *modfile.Tool) bool { return tl.Path == BisectPackage }) {
		t.Skipf("go.mod has no 'tool %s' yet: run go get -tool %s@%s", BisectPackage, BisectPackage, BisectVersion)
	}
	for _, r := range f.Require {
		if r.Mod.Path == "golang.org/x/tools" {
			if r.Mod.Version != BisectVersion {
				t.Errorf("go.mod requires golang.org/x/tools %s, and explain.BisectVersion is %s: change both together", r.Mod.Version, BisectVersion)
			}
			return
		}
	}
	t.Errorf("go.mod has 'tool %s' but does not require golang.org/x/tools", BisectPackage)
}
