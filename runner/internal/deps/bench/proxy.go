package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
)

// countingProxy is a reverse proxy in front of a module proxy that counts
// the module zips asked of it. Every path is forwarded, /sumdb/... too,
// so the go command reaches the checksum database through it.
type countingProxy struct {
	srv *httptest.Server

	mu sync.Mutex
	c  counts
}

// counts are what the proxy saw in an interval.
type counts struct {
	zips     map[string]int // zip requests per module, "path@version"
	requests int            // requests of any kind
	zipTime  time.Duration  // time spent serving zip requests, summed
	zipBytes int64          // bytes of zip responses
}

// byteCounter counts the bytes of a response.
type byteCounter struct {
	http.ResponseWriter
	n int64
}

func (c *byteCounter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController (which ReverseProxy uses to flush)
// reach the ResponseWriter.
func (c *byteCounter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func newCountingProxy(upstream string) (*countingProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	p := &countingProxy{c: counts{zips: map[string]int{}}}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		bc := &byteCounter{ResponseWriter: w}
		rp.ServeHTTP(bc, r)
		p.count(r.URL.Path, time.Since(start), bc.n)
	}))
	return p, nil
}

// URL is the proxy's address, for GOPROXY.
func (p *countingProxy) URL() string { return p.srv.URL }

func (p *countingProxy) Close() { p.srv.Close() }

// count counts a request for path that took d to serve n bytes.
func (p *countingProxy) count(path string, d time.Duration, n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c.requests++
	if m, ok := zipModule(path); ok {
		p.c.zips[m]++
		p.c.zipTime += d
		p.c.zipBytes += n
	}
}

// take returns the counts since the last call, and starts afresh.
func (p *countingProxy) take() counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.c
	p.c = counts{zips: map[string]int{}}
	return c
}

// zipModule returns "path@version" for a proxy path
// "/<escaped path>/@v/<escaped version>.zip".
func zipModule(path string) (string, bool) {
	p, ok := strings.CutSuffix(strings.TrimPrefix(path, "/"), ".zip")
	if !ok {
		return "", false
	}
	mod, ver, ok := strings.Cut(p, "/@v/")
	if !ok {
		return "", false
	}
	if m, err := module.UnescapePath(mod); err == nil {
		mod = m
	}
	if v, err := module.UnescapeVersion(ver); err == nil {
		ver = v
	}
	return mod + "@" + ver, true
}
