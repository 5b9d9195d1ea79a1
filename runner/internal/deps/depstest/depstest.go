// Package depstest serves fake Go modules for tests of package deps: a
// module proxy and a checksum database, both local httptest servers, and
// the clean environment of the go command on PATH with its own module
// cache.
package depstest

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

// SumDBName is the checksum database's name, as go.sum errors print it.
const SumDBName = "sum.depstest"

// A Module is one module version the Server serves. Its knobs inject
// the faults a download step must report.
type Module struct {
	Path, Version string
	// Files are its files besides go.mod: name → content.
	Files map[string]string
	// Require are the "path@version" requirements of its go.mod.
	Require []string

	// Missing makes the proxy answer 404 for it.
	Missing bool
	// Tampered makes the proxy serve a zip other than the one the
	// checksum database hashed.
	Tampered bool
	// Private makes the checksum database answer 404 for it, as
	// sum.golang.org does for a module it cannot fetch.
	Private bool
	// Hang makes the proxy hold its zip request until the client goes.
	Hang bool
}

// served is a Module as the servers hold it.
type served struct {
	Module
	mod      []byte // go.mod
	zip      []byte // the zip the proxy serves
	zipSum   string // h1 of the genuine zip
	goModSum string // h1 of go.mod
}

// A Server is a module proxy plus a checksum database serving fixed
// modules. Both stop when the test ends.
type Server struct {
	// GOPROXY is the proxy's URL.
	GOPROXY string
	// GOSUMDB names the checksum database: "<name>+<key> <url>".
	GOSUMDB string

	mods     map[string]*served // "path@version" → module
	requests atomic.Int64
	proxy    *httptest.Server
	db       *httptest.Server
}

// NewServer starts a Server serving mods.
func NewServer(t testing.TB, mods ...Module) *Server {
	t.Helper()
	s := &Server{mods: map[string]*served{}}
	for _, m := range mods {
		sm, err := build(m)
		if err != nil {
			t.Fatal(err)
		}
		s.mods[m.Path+"@"+m.Version] = sm
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, SumDBName)
	if err != nil {
		t.Fatal(err)
	}
	s.proxy = httptest.NewServer(s.counted(http.HandlerFunc(s.serveProxy)))
	s.db = httptest.NewServer(s.counted(sumdb.NewServer(sumdb.NewTestServer(skey, s.gosum))))
	t.Cleanup(s.Close)
	s.GOPROXY = s.proxy.URL
	s.GOSUMDB = vkey + " " + s.db.URL
	return s
}

// Close stops both servers; a closed Server refuses connections, so a
// step that must stay offline fails if it tries one.
func (s *Server) Close() {
	s.proxy.CloseClientConnections()
	s.proxy.Close()
	s.db.Close()
}

// Requests returns how many requests both servers received.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	})
}

// GoSum returns the genuine go.sum lines of path@version.
func (s *Server) GoSum(path, version string) string {
	m := s.mods[path+"@"+version]
	if m == nil {
		panic("depstest: no module " + path + "@" + version)
	}
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, version, m.zipSum, path, version, m.goModSum)
}

// gosum is the checksum database's view of a module: the genuine
// hashes, or not found for a private one.
func (s *Server) gosum(path, version string) ([]byte, error) {
	m := s.mods[path+"@"+version]
	if m == nil || m.Private {
		return nil, fs.ErrNotExist
	}
	return []byte(s.GoSum(path, version)), nil
}

// serveProxy answers the GOPROXY protocol: /<path>/@v/{list,<v>.info,<v>.mod,<v>.zip}.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	escPath, file, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/@v/")
	path, err := module.UnescapePath(escPath)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	if file == "list" {
		io.WriteString(w, strings.Join(s.versions(path), "\n"))
		return
	}
	ext := filepath.Ext(file)
	version, err := module.UnescapeVersion(strings.TrimSuffix(file, ext))
	m := s.mods[path+"@"+version]
	if err != nil || m == nil || m.Missing {
		http.Error(w, "not found: "+path+"@"+version, http.StatusNotFound)
		return
	}
	switch ext {
	case ".info":
		fmt.Fprintf(w, `{"Version":%q,"Time":"2020-01-01T00:00:00Z"}`, version)
	case ".mod":
		w.Write(m.mod)
	case ".zip":
		if m.Hang {
			<-r.Context().Done()
			return
		}
		w.Write(m.zip)
	default:
		http.NotFound(w, r)
	}
}

// versions lists the served, present versions of path.
func (s *Server) versions(path string) []string {
	var list []string
	for _, m := range s.mods {
		if m.Path == path && !m.Missing {
			list = append(list, m.Version)
		}
	}
	sort.Strings(list)
	return list
}

// build makes m's go.mod and zip and hashes them.
func build(m Module) (*served, error) {
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module %s\n", m.Path)
	for _, r := range m.Require {
		fmt.Fprintf(&gomod, "require %s\n", strings.Replace(r, "@", " ", 1))
	}
	files := map[string]string{"go.mod": gomod.String()}
	for name, data := range m.Files {
		files[name] = data
	}
	sm := &served{Module: m, mod: []byte(files["go.mod"])}
	var err error
	if sm.goModSum, err = hash(map[string]string{"go.mod": files["go.mod"]}); err != nil {
		return nil, err
	}
	prefix := m.Path + "@" + m.Version + "/"
	if sm.zipSum, err = hash(prefixed(prefix, files)); err != nil {
		return nil, err
	}
	if m.Tampered {
		files["zz_tampered.go"] = "package tampered // not what the checksum database hashed\n"
	}
	sm.zip, err = zipOf(prefixed(prefix, files))
	return sm, err
}

func prefixed(prefix string, files map[string]string) map[string]string {
	out := map[string]string{}
	for name, data := range files {
		out[prefix+name] = data
	}
	return out
}

// hash is the go.sum "h1:" hash of files, as the go command computes it.
func hash(files map[string]string) (string, error) {
	var names []string
	for name := range files {
		names = append(names, name)
	}
	return dirhash.Hash1(names, func(name string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(files[name])), nil
	})
}

// zipOf returns a module zip holding files.
func zipOf(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		io.WriteString(w, data)
	}
	err := zw.Close()
	return buf.Bytes(), err
}

// WriteCase writes a module directory with a go 1.13 go.mod requiring
// reqs ("path@version") and go.sum lines gosum (none if empty) and
// returns it.
func WriteCase(t testing.TB, gosum string, reqs ...string) string {
	t.Helper()
	return WriteCaseGo(t, "1.13", gosum, reqs...)
}

// WriteCaseGo is WriteCase with the go.mod's go version goVersion: from
// 1.17, the go command prunes the module graph.
func WriteCaseGo(t testing.TB, goVersion, gosum string, reqs ...string) string {
	t.Helper()
	dir := t.TempDir()
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module example.com/case\n\ngo %s\n", goVersion)
	for _, r := range reqs {
		fmt.Fprintf(&gomod, "\nrequire %s\n", strings.Replace(r, "@", " ", 1))
	}
	write(t, filepath.Join(dir, "go.mod"), gomod.String())
	if gosum != "" {
		write(t, filepath.Join(dir, "go.sum"), gosum)
	}
	return dir
}

func write(t testing.TB, file, data string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
}
