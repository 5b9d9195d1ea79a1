package toolchaintest

import (
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// sumDBName is the name of a Proxy's checksum database.
const sumDBName = "sum.fake"

// otherPlatforms are entries of every proxy's list for platforms no test
// runs on, which a client must ignore.
var otherPlatforms = []string{"v0.0.1-go1.99.1.plan9-mips", "v0.0.1-go1.13.15.plan9-mips"}

// A Proxy is a Go module proxy serving the golang.org/toolchain module
// of fake toolchains, with a checksum database at /sumdb/sum.fake/ that
// signs real tree heads. It counts the requests it answers, and its
// methods inject faults; they are safe to call while it serves.
type Proxy struct {
	// URL is the proxy's base URL, a GOPROXY entry.
	URL string
	// SumDB is its checksum database as a client knows it (GOSUMDB is
	// "<Key> <URL>"). The database is served only through the proxy:
	// its own URL answers 404.
	SumDB *toolchain.SumDB

	t    testing.TB
	fake Fake
	srv  *httptest.Server

	mu       sync.Mutex
	db       http.Handler      // the checksum database served at /sumdb/<name>/
	release  map[string]string // module version → release
	zips     map[string][]byte // module version → zip served
	vouched  map[string][]byte // module version → zip the database vouches for (default: zips)
	status   map[string]int    // URL path → status to answer instead
	cutAt    map[string]int    // URL path → bytes sent before the connection is cut
	stall    chan struct{}     // if set, zip bodies stop halfway until it is closed
	delay    time.Duration     // before each zip body
	requests map[string]int    // URL path → count
	fetches  []string          // releases whose zip was served, in order
}

// NewProxy starts a proxy serving fake toolchains of the host's platform
// for versions, whose programs complete; it stops when the test ends.
func NewProxy(t testing.TB, versions ...string) *Proxy {
	t.Helper()
	return newProxy(t, Fake{Releases: versions})
}

// newProxy starts a proxy serving f.Releases.
func newProxy(t testing.TB, f Fake) *Proxy {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, sumDBName)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{
		t:        t,
		fake:     f,
		release:  map[string]string{},
		zips:     map[string][]byte{},
		vouched:  map[string][]byte{},
		status:   map[string]int{},
		cutAt:    map[string]int{},
		requests: map[string]int{},
	}
	for _, v := range f.Releases {
		mod := f.Module(v)
		p.release[mod.Version] = v
		p.zips[mod.Version] = ModuleZip(t, mod, f.Tree(v))
	}
	p.db = sumdb.NewServer(sumdb.NewTestServer(skey, p.gosum))
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.SumDB = &toolchain.SumDB{Name: sumDBName, Key: vkey, URL: p.URL + "/no-direct-sumdb"}
	return p
}

// gosum is the checksum database's view: the hash of the vouched zip.
func (p *Proxy) gosum(path, vers string) ([]byte, error) {
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
	if err := os.WriteFile(f, data, 0o666); err != nil {
		return nil, err
	}
	h1, err := dirhash.HashZip(f, dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s %s %s\n%s %s/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", path, vers, h1, path, vers), nil
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	p.mu.Lock()
	p.requests[path]++
	status, cut, stall, delay, db := p.status[path], p.cutAt[path], p.stall, p.delay, p.db
	p.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if rest, ok := strings.CutPrefix(path, "/sumdb/"+sumDBName); ok {
		if rest == "/supported" {
			return
		}
		http.StripPrefix("/sumdb/"+sumDBName, db).ServeHTTP(w, r)
		return
	}
	rest, ok := strings.CutPrefix(path, "/"+toolchainModule+"/@v/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "list" {
		p.mu.Lock()
		lines := append(slices.Sorted(maps.Keys(p.zips)), otherPlatforms...)
		p.mu.Unlock()
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
	p.mu.Lock()
	p.fetches = append(p.fetches, p.release[vers])
	p.mu.Unlock()
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

// ZipPath is the URL path of the zip of release v.
func (p *Proxy) ZipPath(v string) string {
	return "/" + toolchainModule + "/@v/" + p.fake.Module(v).Version + ".zip"
}

// Count returns how many requests for URL path the proxy answered.
func (p *Proxy) Count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[path]
}

// Requests returns how many requests the proxy answered, by URL path.
func (p *Proxy) Requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.requests)
}

// Fetches returns the releases whose zip the proxy served, in order.
func (p *Proxy) Fetches() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.fetches)
}

// Zip returns the zip the proxy serves for release v.
func (p *Proxy) Zip(v string) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.zips[p.fake.Module(v).Version]
}

// Tamper serves data as the zip of release v, while the checksum
// database goes on vouching for the zip served before.
func (p *Proxy) Tamper(v string, data []byte) {
	vers := p.fake.Module(v).Version
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.vouched[vers]; !ok {
		p.vouched[vers] = p.zips[vers]
	}
	p.zips[vers] = data
}

// Vouch makes the checksum database vouch for data as the zip of
// release v, whatever the proxy serves.
func (p *Proxy) Vouch(v string, data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.vouched[p.fake.Module(v).Version] = data
}

// SetStatus answers requests for URL path with status code instead.
func (p *Proxy) SetStatus(path string, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status[path] = code
}

// CutAfter sends n bytes of the body for URL path, then cuts the
// connection.
func (p *Proxy) CutAfter(path string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutAt[path] = n
}

// SetDelay waits d before sending each zip body.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Stall makes zip bodies stop halfway until release is called.
func (p *Proxy) Stall() (release func()) {
	stall := make(chan struct{})
	p.mu.Lock()
	p.stall = stall
	p.mu.Unlock()
	return func() {
		close(stall)
		p.mu.Lock()
		p.stall = nil
		p.mu.Unlock()
	}
}

// UseSumDB makes p serve q's checksum database in place of its own, as
// mirrors of one proxy do.
func (p *Proxy) UseSumDB(q *Proxy) {
	q.mu.Lock()
	db := q.db
	q.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.db, p.SumDB = db, q.SumDB
}

// Close stops the proxy: its URL then refuses connections.
func (p *Proxy) Close() { p.srv.Close() }
