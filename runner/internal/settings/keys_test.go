package settings

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// Each form in which some release's standard library reads a GODEBUG
// key, as it is written there.
func TestKeysIn(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
		cpu             bool
	}{
		{"dbgvars up to go1.20", "runtime/runtime1.go", `
var x = "notakey"
var dbgvars = []dbgVar{
	{"allocfreetrace", &debug.allocfreetrace},
	{"asyncpreemptoff", &debug.asyncpreemptoff},
}

var other = []pair{{"notakey2", 1}}
func parsedebugvars() {
	for p := gogetenv("GODEBUG"); p != ""; {
		if key == "memprofilerate" {
		}
	}
	switch x {
	case "none":
	}
}`, []string{"allocfreetrace", "asyncpreemptoff", "memprofilerate"}, false},
		{"dbgvars since go1.21", "runtime/runtime1.go", `
var dbgvars = []*dbgVar{
	{name: "gctrace", value: &debug.gctrace},
	{name: "panicnil", atomic: &debug.panicnil},
}
	*p = gogetenv("GODEBUG")
		if seen == nil && key == "memprofilerate" {`, []string{"gctrace", "memprofilerate", "panicnil"}, false},
		{"runtime godebugInc", "runtime/panic.go",
			`var panicnil = &godebugInc{name: "panicnil"}`, []string{"panicnil"}, false},
		{"internal/godebugs table", "internal/godebugs/table.go", `
var All = []Info{
	{Name: "execerrdot", Package: "os/exec"},
	{Name: "x509sha1", Package: "crypto/x509", Opaque: true},
}`, []string{"execerrdot", "x509sha1"}, false},
		{"Name: outside internal/godebugs", "crypto/tls/x.go", `// godebug
var v = []T{{Name: "notakey"}}`, nil, false},
		{"godebug.Get (go1.18-1.19)", "crypto/x509/x509.go",
			`	if godebug.Get("x509sha1") == "1" {`, []string{"x509sha1"}, false},
		{"godebug.New (go1.20+)", "archive/tar/common.go", `
var tarinsecurepath = godebug.New("tarinsecurepath")
var fuzzdebug = godebug.New("#fuzzdebug")`, []string{"fuzzdebug", "tarinsecurepath"}, false},
		{"goDebugString (net, crypto/tls before go1.20)", "crypto/tls/common.go", `
		tls13Support.cached = goDebugString("tls13") != "0"
func goDebugString(key string) string {
	s := os.Getenv("GODEBUG")`, []string{"tls13"}, false},
		{"os.Getenv and strings.Contains in one call", "net/http/transport.go",
			`	if strings.Contains(os.Getenv("GODEBUG"), "http2client=0") {`, []string{"http2client"}, false},
		{"os.Getenv, then strings.Contains", "net/http/h2_bundle.go", `
	e := os.Getenv("GODEBUG")
	if strings.Contains(e, "http2debug=1") {
	if strings.Contains(e, "http2debug=2") {`, []string{"http2debug"}, false},
		{"mixed-case key", "crypto/x509/verify.go",
			`var ignoreCN = strings.Contains(os.Getenv("GODEBUG"), "x509ignoreCN=1")`, []string{"x509ignoreCN"}, false},
		{"strings.HasPrefix over split fields", "internal/fuzz/pcg.go", `
	debug := strings.Split(os.Getenv("GODEBUG"), ",")
	for _, f := range debug {
		if strings.HasPrefix(f, "fuzzseed=") {
			seed, err := strconv.Atoi(strings.TrimPrefix(f, "fuzzseed="))`, []string{"fuzzseed"}, false},
		{"handed the value (pagetrace)", "runtime/pagetrace_on.go", `
// env must be the value of the GODEBUG environment variable.
		if hasPrefix(elt, "pagetrace=") {`, []string{"pagetrace"}, false},
		{"cpu option parser", "internal/cpu/cpu.go", `
// cpu feature options in GODEBUG.
		if len(field) < 4 || field[:4] != "cpu." {
		if key == "all" {`, []string{"cpu.all"}, true},
		{"examples in comments do not count", "internal/godebug/godebug.go", `
//	var gotypesalias = godebug.New("gotypesalias")
x := 1 // godebug.New("trailing")
var real = godebug.New("real")`, []string{"real"}, false},
		{"GODEBUG's own name is no key", "runtime/proc.go", `
	const prefix = "GODEBUG="
	if strings.HasPrefix(s, "GODEBUG=") {
	if key == "GODEBUG" {`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keysIn(tt.file, tt.src)
			if !slices.Equal(got.Keys, tt.want) || got.CPUOptions != tt.cpu {
				t.Errorf("keysIn(%s) = %v, cpu %v; want %v, cpu %v", tt.file, got.Keys, got.CPUOptions, tt.want, tt.cpu)
			}
		})
	}
}

func TestMentionsGODEBUG(t *testing.T) {
	for src, want := range map[string]bool{
		`os.Getenv("GODEBUG")`:       true,
		`godebug.New("x")`:           true,
		`goDebugString("netdns")`:    true,
		`GoDebug`:                    true,
		`debug.gctrace`:              false,
		`ebug`:                       false,
		`no mention of the variable`: false,
	} {
		if got := mentionsGODEBUG([]byte(src)); got != want {
			t.Errorf("mentionsGODEBUG(%q) = %v, want %v", src, got, want)
		}
	}
}

// A synthetic GOROOT: which files the scan reads, and which it leaves.
func TestGODEBUGKeysTree(t *testing.T) {
	root := fakeGOROOT(t, map[string]string{
		"src/runtime/runtime1.go": `var dbgvars = []dbgVar{
	{"gctrace", &debug.gctrace},
}
	for p := gogetenv("GODEBUG"); p != ""; {`,
		"src/net/http/transport.go":                  `if strings.Contains(os.Getenv("GODEBUG"), "http2client=0") {`,
		"src/archive/tar/common.go":                  `var tarinsecurepath = godebug.New("tarinsecurepath")`,
		"src/internal/godebugs/table.go":             `var All = []Info{{Name: "panicnil", Package: "runtime"}} // godebug`,
		"src/internal/cpu/cpu.go":                    "// GODEBUG\nif field[:4] != \"cpu.\" {\nif key == \"all\" {",
		"src/internal/cpu/cpu_x86.go":                `options = append(options, option{Name: "avx2", Feature: &X86.HasAVX2})`,
		"src/internal/cpu/cpu_x86_test.go":           `options = append(options, option{Name: "fromatest"})`,
		"src/vendor/golang.org/x/sys/cpu/cpu.go":     "env := os.Getenv(\"GODEBUG\")\nif field[:4] != \"cpu.\" {",
		"src/vendor/golang.org/x/sys/cpu/cpu_arm.go": `options = []option{{Name: "vfpv4", Feature: &ARM.HasVFPv4}}`,
		"src/other/names.go":                         `var v = []T{{Name: "notcpu"}} // no mention of the variable`,
		"src/crypto/x509/x509_test.go":               `var x = godebug.New("fromatest")`,
		"src/cmd/go/internal/fsys/fsys.go":           `var x = godebug.New("gofsystrace")`,
		"src/net/testdata/main.go":                   `var x = godebug.New("fromtestdata")`,
		"src/net/notgo.txt":                          `godebug.New("fromtext")`,
	})
	keys, err := GODEBUGKeys(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"cpu.all", "cpu.avx2", "cpu.vfpv4", "gctrace", "http2client", "panicnil", "tarinsecurepath"}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %v\nwant   %v", got, want)
	}
	// Cells of one toolchain ask at once: one scan, one answer.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if again, err := GODEBUGKeys(root); err != nil || len(again) != len(keys) {
				t.Errorf("a concurrent call gave %d keys, %v", len(again), err)
			}
		})
	}
	wg.Wait()
	if msg := InertGODEBUG("go1.20.14", "tarinsecurepath=1", keys); msg != "" {
		t.Errorf("a key godebug.New reads reported inert: %s", msg)
	}
	msg := InertGODEBUG("go1.20.14", "madeup=1,gctrace=1", keys)
	if !strings.Contains(msg, "go1.20.14's standard library does not read madeup and ignores it") {
		t.Errorf("unknown key: %q", msg)
	}
}

func TestGODEBUGKeysNoSources(t *testing.T) {
	_, err := GODEBUGKeys(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no runtime sources") || !strings.Contains(err.Error(), "\nhint: ") {
		t.Errorf("err = %v, want no runtime sources with a hint", err)
	}
}

func TestInertKeys(t *testing.T) {
	known := map[string]bool{"gctrace": true}
	tests := []struct {
		msg  string
		want []string
	}{
		{InertGODEBUG("go1.13.15", "asyncpreemptoff=1", known), []string{"asyncpreemptoff"}},
		{InertGODEBUG("go1.13.15", "b=1,gctrace=1,a=2", known), []string{"a", "b"}},
		// As runners before this one wrote it (results.json files keep it).
		{"GODEBUG asyncpreemptoff=1 is inert: go1.13.15's runtime does not know asyncpreemptoff and ignores it", []string{"asyncpreemptoff"}},
		{"GOEXPERIMENT=x is inert: …", nil},
		{"GODEBUG x=1 says something else", nil},
	}
	for _, tt := range tests {
		if got := inertKeys(tt.msg); !slices.Equal(got, tt.want) {
			t.Errorf("inertKeys(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
