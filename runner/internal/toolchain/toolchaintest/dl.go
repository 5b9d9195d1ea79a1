package toolchaintest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// A DL serves release archives and their .sha256 files as dl.google.com
// does, and go.dev's JSON list of releases at /index. Its methods are
// safe to call while it serves.
type DL struct {
	// URL is the server's base URL: archives are at URL/<name>
	// (GOMATRIX_DL_BASE is URL+"/"), the list at URL/index.
	URL string

	mu    sync.Mutex
	files map[string][]byte // name → content
}

// NewDL starts a server of the .tar.gz archives of fake toolchains of
// the host's platform for versions; it stops when the test ends.
func NewDL(t testing.TB, versions ...string) *DL {
	t.Helper()
	var f Fake
	goos, goarch := f.platform()
	d := &DL{files: map[string][]byte{}}
	var index []map[string]any
	for _, v := range versions {
		name := v + "." + goos + "-" + goarch + ".tar.gz"
		data := releaseTarGz(t, f.Tree(v))
		sum := sha256.Sum256(data)
		d.files[name] = data
		d.files[name+".sha256"] = []byte(hex.EncodeToString(sum[:]))
		index = append(index, map[string]any{"version": v, "stable": true, "files": []map[string]string{
			{"filename": name, "os": goos, "arch": goarch, "kind": "archive"},
			{"filename": v + ".src.tar.gz", "os": "", "arch": "", "kind": "source"},
		}})
	}
	d.files["index"], _ = json.Marshal(index)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		data, ok := d.files[strings.TrimPrefix(r.URL.Path, "/")]
		d.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// File returns what the server serves as name ("go1.13.15.linux-amd64.tar.gz").
func (d *DL) File(name string) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.files[name]
}

// SetFile serves data as name.
func (d *DL) SetFile(name string, data []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.files[name] = data
}
