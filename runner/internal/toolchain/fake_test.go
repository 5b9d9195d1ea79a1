package toolchain

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
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

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

// fakeGo is the bin/go of a fake toolchain: it answers `go version` and
// `go env GOROOT` as a real one does.
func fakeGo(v, goos, goarch string) string {
	return `#!/bin/sh
case "$1" in
version) echo "go version ` + v + ` ` + goos + `/` + goarch + `" ;;
env) cd "$(dirname "$0")/.." && pwd ;;
*) echo "fake go: $*" >&2; exit 2 ;;
esac
`
}

// fakeTree returns the files of a tiny fake toolchain v, in the shape of
// a real one: bin/, pkg/tool/<os>_<arch>/, src/ with _go.mod files.
func fakeTree(v, goos, goarch string) map[string]string {
	return map[string]string{
		"VERSION":   v + "\ntime 2020-08-06T14:45:57Z\n",
		"bin/go":    fakeGo(v, goos, goarch),
		"bin/gofmt": "#!/bin/sh\nexit 0\n",
		"pkg/tool/" + goos + "_" + goarch + "/compile": "#!/bin/sh\nexit 0\n",
		"src/_go.mod":           "module std\n",
		"src/cmd/_go.mod":       "module cmd\n",
		"src/runtime/extern.go": "package runtime\n" + strings.Repeat("// padding so the zip has some size\n", 200),
		"lib/time/README":       "zoneinfo\n",
	}
}

// moduleZip builds the module zip of golang.org/toolchain for v, as the
// proxy serves it: every path under "golang.org/toolchain@<version>/".
func moduleZip(t testing.TB, mod module.Version, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(mapKeys(files)) {
		w, err := zw.Create(mod.Path + "@" + mod.Version + "/" + name)
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

// releaseTarGz builds a release archive as dl.google.com serves it:
// every path under "go/", with modes.
func releaseTarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "go/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, name := range slices.Sorted(mapKeys(files)) {
		mode := int64(0o644)
		if strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "pkg/tool/") {
			mode = 0o755
		}
		body := files[name]
		// dl archives have real go.mod files.
		name = strings.ReplaceAll(name, "_go.mod", "go.mod")
		if err := tw.WriteHeader(&tar.Header{Name: "go/" + name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// A fakeProxy is a Go module proxy serving golang.org/toolchain, with a
// checksum database at /sumdb/<name>/ that signs real tree heads, and
// knobs for every fault.
type fakeProxy struct {
	t   testing.TB
	srv *httptest.Server
	db  *SumDB

	mu       sync.Mutex
	zips     map[string][]byte // module version → zip served
	vouched  map[string][]byte // module version → zip the sumdb vouches for (default: zips)
	status   map[string]int    // URL path → status to answer instead
	cutAt    map[string]int    // URL path → bytes sent before the connection is cut
	stall    chan struct{}     // if set, zip bodies stop halfway until it is closed
	delay    time.Duration     // before each zip body
	requests map[string]int    // URL path → count
	sumdbH   http.Handler
}

// fakeDBName is the name of the fake checksum database.
const fakeDBName = "sum.fake"

// newFakeProxy serves toolchains for versions on the host's platform.
func newFakeProxy(t testing.TB, versions ...string) *fakeProxy {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, fakeDBName)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProxy{
		t:        t,
		zips:     map[string][]byte{},
		vouched:  map[string][]byte{},
		status:   map[string]int{},
		cutAt:    map[string]int{},
		requests: map[string]int{},
	}
	for _, v := range versions {
		mod := hostModule(v)
		p.zips[mod.Version] = moduleZip(t, mod, fakeTree(v, runtime.GOOS, runtime.GOARCH))
	}
	p.sumdbH = sumdb.NewServer(sumdb.NewTestServer(skey, p.gosum))
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.db = &SumDB{Name: fakeDBName, Key: vkey, URL: p.srv.URL + "/no-direct-sumdb"}
	return p
}

func hostModule(v string) module.Version {
	return module.Version{Path: toolchainModule, Version: "v0.0.1-" + v + "." + runtime.GOOS + "-" + runtime.GOARCH}
}

// gosum is the checksum database's view: the hash of the vouched zip.
func (p *fakeProxy) gosum(path, vers string) ([]byte, error) {
	p.mu.Lock()
	data, ok := p.vouched[vers]
	if !ok {
		data, ok = p.zips[vers]
	}
	p.mu.Unlock()
	if !ok || path != toolchainModule {
		return nil, fs.ErrNotExist
	}
	f := filepath.Join(p.t.TempDir(), "z.zip")
	os.WriteFile(f, data, 0o666)
	h1, err := dirhash.HashZip(f, dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s %s %s\n%s %s/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", path, vers, h1, path, vers), nil
}

func (p *fakeProxy) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	p.mu.Lock()
	p.requests[path]++
	status, cut, stall, delay := p.status[path], p.cutAt[path], p.stall, p.delay
	p.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if rest, ok := strings.CutPrefix(path, "/sumdb/"+fakeDBName); ok {
		if rest == "/supported" {
			return
		}
		http.StripPrefix("/sumdb/"+fakeDBName, p.sumdbH).ServeHTTP(w, r)
		return
	}
	const prefix = "/" + toolchainModule + "/@v/"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "list" {
		p.mu.Lock()
		var lines []string
		for v := range p.zips {
			lines = append(lines, v)
		}
		p.mu.Unlock()
		// Other platforms' entries, which must be ignored.
		lines = append(lines, "v0.0.1-go1.99.1.plan9-mips", "v0.0.1-go1.13.15.plan9-mips")
		io.WriteString(w, strings.Join(lines, "\n")+"\n")
		return
	}
	vers, ok := strings.CutSuffix(rest, ".zip")
	p.mu.Lock()
	data, have := p.zips[vers]
	p.mu.Unlock()
	if !ok || !have {
		http.NotFound(w, r)
		return
	}
	time.Sleep(delay)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	switch {
	case cut > 0:
		w.Write(data[:cut])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // cut the connection mid-body
	case stall != nil:
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
		w.Write(data[len(data)/2:])
	default:
		w.Write(data)
	}
}

func (p *fakeProxy) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[path]
}

func (p *fakeProxy) zipPath(v string) string {
	return "/" + toolchainModule + "/@v/" + hostModule(v).Version + ".zip"
}

func (p *fakeProxy) set(f func(p *fakeProxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// A fakeDL serves release archives and their .sha256 files as
// dl.google.com does, and go.dev's JSON list at /index.
type fakeDL struct {
	srv      *httptest.Server
	mu       sync.Mutex
	files    map[string][]byte // name → content
	requests map[string]int
}

func newFakeDL(t testing.TB, versions ...string) *fakeDL {
	d := &fakeDL{files: map[string][]byte{}, requests: map[string]int{}}
	var index []map[string]any
	for _, v := range versions {
		name := v + "." + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz"
		data := releaseTarGz(t, fakeTree(v, runtime.GOOS, runtime.GOARCH))
		sum := sha256.Sum256(data)
		d.files["/"+name] = data
		d.files["/"+name+".sha256"] = []byte(hex.EncodeToString(sum[:]))
		index = append(index, map[string]any{"version": v, "stable": true, "files": []map[string]string{
			{"filename": name, "os": runtime.GOOS, "arch": runtime.GOARCH, "kind": "archive"},
			{"filename": v + ".src.tar.gz", "os": "", "arch": "", "kind": "source"},
		}})
	}
	d.files["/index"], _ = json.Marshal(index)
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.requests[r.URL.Path]++
		data, ok := d.files[r.URL.Path]
		d.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// newTestManager returns a Manager on a fresh cache using p (if not nil)
// and d (if not nil) as its only sources.
func newTestManager(t testing.TB, p *fakeProxy, d *fakeDL) *Manager {
	t.Helper()
	m, err := NewManager(t.TempDir(), func(k string) string {
		if k == "HOME" {
			return filepath.Join(os.TempDir(), "gomatrix-test-no-home")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Sources = []string{SourceInstalled}
	m.DLIndex = ""
	m.SDKDir = t.TempDir()
	if p != nil {
		m.Proxies = []Proxy{{URL: p.srv.URL}}
		m.SumDB = p.db
		m.Sources = append(m.Sources, SourceProxy)
	}
	if d != nil {
		m.DLBase = d.srv.URL + "/"
		m.DLIndex = d.srv.URL + "/index"
		m.Sources = append(m.Sources, SourceDL)
	}
	return m
}

// assertClean fails if anything but whole toolchains is left in the cache:
// temporary directories, directories without a marker, downloads.
func assertClean(t testing.TB, m *Manager) {
	t.Helper()
	entries, _ := os.ReadDir(m.toolchainsDir())
	for _, e := range entries {
		if !isComplete(filepath.Join(m.toolchainsDir(), e.Name()), completeMarker) {
			t.Errorf("left in toolchains/: %s", e.Name())
		}
	}
	dls, _ := os.ReadDir(m.downloadsDir())
	for _, e := range dls {
		t.Errorf("left in downloads/: %s", e.Name())
	}
}
