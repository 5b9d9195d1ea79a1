package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// GODEBUGKeys returns the GODEBUG keys some package of the toolchain at
// goroot reads, found in its standard library's sources (see scanKeys).
// The result is cached per goroot: a toolchain's sources do not change
// during a run.
func GODEBUGKeys(goroot string) (map[string]bool, error) {
	keysMu.Lock()
	e, ok := keysCache[goroot]
	if !ok {
		e = &keysEntry{}
		keysCache[goroot] = e
	}
	keysMu.Unlock()
	// Scans of different toolchains run in parallel; cells of one
	// toolchain wait for its single scan.
	e.once.Do(func() {
		e.keys, e.err = scanKeys(os.DirFS(filepath.Join(goroot, "src")))
		if e.err != nil {
			e.err = fmt.Errorf("read GODEBUG keys of %s: %w", goroot, e.err)
		}
	})
	return e.keys, e.err
}

type keysEntry struct {
	once sync.Once
	keys map[string]bool
	err  error
}

var (
	keysMu    sync.Mutex
	keysCache = map[string]*keysEntry{}
)

// scanKeys returns every GODEBUG key a package of a standard library
// reads, given its source tree (GOROOT/src). It reads the non-test .go
// files outside cmd/ and testdata/ (vendor/ included: the vendored
// golang.org/x/sys/cpu reads GODEBUG too) that mention GODEBUG in any
// case, and collects the keys of every form in which a release since
// go1.13 reads one (see keysIn). It errs on the side of "known": a key
// it reports as unknown is one no package reads, since calling a setting
// inert when it took effect would misreport the cell. On a real GOROOT it
// takes 50–130 ms (2 CPUs, warm page cache), once per toolchain per run.
func scanKeys(src fs.FS) (map[string]bool, error) {
	if _, err := fs.Stat(src, "runtime"); err != nil {
		return nil, fmt.Errorf("no runtime sources: %w\nhint: the toolchain's src directory is missing or incomplete; fetch it again", err)
	}
	files, err := sourceFiles(src)
	if err != nil {
		return nil, err
	}
	found, err := scanFiles(src, files)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	cpuDirs := map[string]bool{}
	for i, fk := range found {
		for _, k := range fk.Keys {
			keys[k] = true
		}
		if fk.CPUOptions {
			cpuDirs[path.Dir(files[i])] = true
		}
	}
	// The CPU feature names are declared in per-architecture files of the
	// package that parses "cpu.", which need not mention GODEBUG.
	for _, p := range files {
		if cpuDirs[path.Dir(p)] {
			data, err := fs.ReadFile(src, p)
			if err != nil {
				return nil, err
			}
			for _, k := range cpuOptionKeys(string(data)) {
				keys[k] = true
			}
		}
	}
	return keys, nil
}

// sourceFiles lists the standard library's non-test .go files.
func sourceFiles(src fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// cmd/ is the tools, not what a program links; testdata/ and
			// directories the go command ignores are not built at all.
			name := d.Name()
			if p == "cmd" || name == "testdata" || p != "." && (name[0] == '.' || name[0] == '_') {
				return fs.SkipDir
			}
			return nil
		}
		if isSource(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// scanFiles returns the keys each of files reads. Reading some 3,000
// files is most of the time, so they are read in parallel, one reader
// per CPU.
func scanFiles(src fs.FS, files []string) ([]fileKeys, error) {
	found := make([]fileKeys, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf bytes.Buffer // reused: only matching files are kept
			for i := range next {
				buf.Reset()
				if errs[i] = readInto(&buf, src, files[i]); errs[i] == nil && mentionsGODEBUG(buf.Bytes()) {
					found[i] = keysIn(files[i], buf.String())
				}
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return found, errors.Join(errs...)
}

func readInto(buf *bytes.Buffer, src fs.FS, name string) error {
	f, err := src.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = buf.ReadFrom(f)
	return err
}

func isSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
}

// mentionsGODEBUG reports whether src holds "godebug" in any case
// (GODEBUG, godebug, goDebugString): the cheap test that lets scanKeys
// parse about one file in thirty.
func mentionsGODEBUG(src []byte) bool {
	for _, tail := range [][]byte{[]byte("ebug"), []byte("EBUG")} {
		for s := src; ; {
			i := bytes.Index(s, tail)
			if i < 0 {
				break
			}
			if i >= 3 && bytes.EqualFold(s[i-3:i], []byte("god")) {
				return true
			}
			s = s[i+len(tail):]
		}
	}
	return false
}

// fileKeys are the GODEBUG keys one source file reads.
type fileKeys struct {
	Keys []string // sorted, without duplicates
	// CPUOptions is set when the file parses "cpu.<feature>=on|off"
	// (internal/cpu, vendored x/sys/cpu): the feature names are then in
	// its package's other files, read by cpuOptionKeys.
	CPUOptions bool
}

// Forms in which the standard library reads a GODEBUG key. Key names
// are those of real keys: letters, digits, "_" and "." (cpu.avx2).
var (
	// The runtime's table, up to go1.20 and since go1.21:
	//	{"asyncpreemptoff", &debug.asyncpreemptoff},
	//	{name: "panicnil", atomic: &debug.panicnil},
	reDbgvarsStart = regexp.MustCompile(`\bdbgvars\s*=`)
	reDbgvar       = regexp.MustCompile(`\{\s*(?:name:\s*)?"([A-Za-z0-9_.]+)"\s*,`)
	// internal/godebugs/table.go (go1.21+):
	//	{Name: "panicnil", Package: "runtime", ...},
	reTableName = regexp.MustCompile(`\bName:\s*"#?([A-Za-z0-9_.]+)"`)
	// Calls taking the key: godebug.Get("x509sha1") (go1.18–1.19),
	// godebug.New("tarinsecurepath") and godebug.New("#fuzzdebug")
	// (go1.20+), goDebugString("netdns") (net, crypto/tls before go1.20),
	// and the runtime's &godebugInc{name: "panicnil"} (go1.21+).
	reCall   = regexp.MustCompile(`(?i:godebug)\w*(?:\.\w+)?\(\s*"#?([A-Za-z0-9_.]+)"`)
	reStruct = regexp.MustCompile(`(?i:godebug)\w*\{\s*(?i:name):\s*"#?([A-Za-z0-9_.]+)"`)
	// Direct parsing of $GODEBUG, by a file that reads the variable or is
	// handed its value (the runtime's pagetrace, internal/cpu):
	//	strings.Contains(os.Getenv("GODEBUG"), "http2client=0")
	//	strings.Contains(e, "http2debug=1")
	//	strings.HasPrefix(f, "fuzzseed=")
	//	hasPrefix(elt, "pagetrace=")
	//	key == "memprofilerate"  (runtime, outside dbgvars)
	reMatchKV = regexp.MustCompile(`(?:Contains|Prefix|Suffix|Index|Cut)\w*\([^\n]*?"([a-z][A-Za-z0-9_.]*)=[^"\n]*"`)
	reKeyEq   = regexp.MustCompile(`\bkey\s*==\s*"([a-z][A-Za-z0-9_.]*)"`)
	// A CPU feature: {Name: "avx2", Feature: &X86.HasAVX2},
	reCPUName = regexp.MustCompile(`\{\s*Name:\s*"([a-z0-9_.]+)"`)
)

// keysIn returns the GODEBUG keys the file name (slash-separated,
// relative to GOROOT/src) reads, given its source s. Matches inside
// comments do not count: package docs show example calls.
func keysIn(name, s string) fileKeys {
	set := map[string]bool{}
	// Each form is matched line by line, and only on lines holding a word
	// it needs: regexps over whole files made a scan take 0.7 s.
	match := func(re *regexp.Regexp, line, prefix string) {
		for _, m := range re.FindAllStringSubmatchIndex(line, -1) {
			if !strings.Contains(line[:m[0]], "//") {
				set[prefix+line[m[2]:m[3]]] = true
			}
		}
	}
	var fk fileKeys
	// In the cpu option parser, key == "all" is cpu.all.
	fk.CPUOptions = strings.Contains(s, `"cpu."`)
	keyPrefix := ""
	if fk.CPUOptions {
		keyPrefix = "cpu."
	}
	table := path.Base(path.Dir(name)) == "godebugs"
	inDbgvars := false
	for line := range strings.Lines(s) {
		switch {
		case inDbgvars:
			if strings.HasPrefix(line, "}") {
				inDbgvars = false
			}
			match(reDbgvar, line, "")
		case strings.Contains(line, "dbgvars") && reDbgvarsStart.MatchString(line):
			inDbgvars = true
		}
		if table && strings.Contains(line, "Name:") {
			match(reTableName, line, "")
		}
		if strings.Contains(line, "ebug") || strings.Contains(line, "EBUG") {
			match(reCall, line, "")
			match(reStruct, line, "")
		}
		if strings.Contains(line, "key") {
			match(reKeyEq, line, keyPrefix)
		}
		if strings.Contains(line, "=") {
			match(reMatchKV, line, "")
		}
	}
	for k := range set {
		fk.Keys = append(fk.Keys, k)
	}
	sort.Strings(fk.Keys)
	return fk
}

// cpuOptionKeys returns the "cpu.<feature>" keys a file of a CPU option
// parser's package declares.
func cpuOptionKeys(s string) []string {
	var keys []string
	for _, m := range reCPUName.FindAllStringSubmatchIndex(s, -1) {
		if !inComment(s, m[0]) {
			keys = append(keys, "cpu."+s[m[2]:m[3]])
		}
	}
	return keys
}

// inComment reports whether offset i of src is after "//" on its line.
// A "//" inside a string literal earlier on the line fools it; no line
// that reads a GODEBUG key has one.
func inComment(src string, i int) bool {
	start := strings.LastIndexByte(src[:i], '\n') + 1
	return strings.Contains(src[start:i], "//")
}
