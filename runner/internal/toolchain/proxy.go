package toolchain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"golang.org/x/mod/module"
)

// moduleVersion returns the golang.org/toolchain module holding release v
// for the manager's platform: v0.0.1-go1.13.15.linux-amd64.
func (m *Manager) moduleVersion(v string) module.Version {
	return module.Version{Path: toolchainModule, Version: "v0.0.1-" + v + "." + m.GOOS + "-" + m.GOARCH}
}

// fetchProxy downloads the toolchain module of v from GOPROXY into tmp:
// the zip is streamed to $CacheDir/downloads while its h1: hash is looked
// up in the checksum database at the same time; it is then extracted and
// hashed in one pass (see unzipModule), and the two hashes compared. The
// zip is deleted afterwards: the extracted tree is what is kept.
func (m *Manager) fetchProxy(ctx context.Context, v, tmp string, prog *progress, db *checksumDB) (fetchResult, error) {
	mod := m.moduleVersion(v)
	res := fetchResult{marker: marker{Version: v, Source: SourceProxy}}

	// The checksum database is asked while the zip downloads, once a
	// proxy has answered 200; fetchProxy waits for that lookup before it
	// returns, so nothing writes to the cache after it.
	sumc, lookup, wait := m.sumLookup(mod, v, prog, db, &res.marker)
	defer wait()

	zipURL, err := moduleZipURL(mod)
	if err != nil {
		return res, err
	}
	if err := os.MkdirAll(m.downloadsDir(), 0o777); err != nil {
		return res, err
	}
	zipPath := filepath.Join(m.downloadsDir(), v+"-proxy-"+randomSuffix()+".zip")
	defer os.Remove(zipPath)

	b, err := m.downloadZip(ctx, v, zipURL, zipPath, prog, lookup, &res)
	if err != nil {
		return res, err
	}
	err = m.verifyAndExtract(ctx, mod, zipPath, tmp, b, sumc, &res)
	b.end(res.size, err)
	return res, err
}

// sumLookup notes in mk how release v (module mod) is verified, and
// returns where the checksum database's answer arrives, lookup, which
// asks it (the first call only; none when verification is off), and
// wait, which waits for the lookup to end.
func (m *Manager) sumLookup(mod module.Version, v string, prog *progress, db *checksumDB, mk *marker) (sumc chan sumResult, lookup, wait func()) {
	sumc = make(chan sumResult, 1)
	switch {
	case m.SumDB == nil:
		mk.Verified = "none (GOSUMDB=off)"
		prog.notef("WARNING: GOSUMDB=off: %s is not verified against the checksum database", v)
		return sumc, func() {}, func() {}
	case module.MatchPrefixPatterns(m.NoSumDB, mod.Path):
		mk.Verified = "none (GONOSUMDB/GOPRIVATE matches " + mod.Path + ")"
		prog.notef("WARNING: GONOSUMDB or GOPRIVATE matches %s: %s is not verified against the checksum database", mod.Path, v)
		return sumc, func() {}, func() {}
	}
	mk.Verified = m.SumDB.Name
	var wg sync.WaitGroup
	var once sync.Once
	lookup = func() {
		once.Do(func() {
			wg.Go(func() {
				h, err := db.lookup(mod.Path, mod.Version)
				sumc <- sumResult{h, err}
			})
		})
	}
	return sumc, lookup, wg.Wait
}

// moduleZipURL is the path of mod's zip under a proxy's URL.
func moduleZipURL(mod module.Version) (string, error) {
	escPath, err := module.EscapePath(mod.Path)
	if err != nil {
		return "", err
	}
	escVer, err := module.EscapeVersion(mod.Version)
	if err != nil {
		return "", err
	}
	return "/" + escPath + "/@v/" + escVer + ".zip", nil
}

// downloadZip downloads release v's module zip (zipURL, under each
// proxy's URL in turn) to zipPath, calling lookup once a proxy answers,
// and records its size and URL in res. It returns the download's
// progress bar, which the caller ends.
func (m *Manager) downloadZip(ctx context.Context, v, zipURL, zipPath string, prog *progress, lookup func(), res *fetchResult) (*bar, error) {
	var b *bar
	_, err := m.viaProxies(func(p Proxy) error {
		url := p.URL + zipURL
		resp, err := m.get(ctx, url)
		if err != nil {
			return err
		}
		lookup()
		b = prog.start(v, p.String(), resp.ContentLength)
		n, err := download(resp, zipPath, progressWriter(b.add))
		if err != nil {
			b.end(n, err)
			b = nil
			return err
		}
		res.size, res.marker.URL = n, url
		return nil
	})
	return b, err
}

// A sumResult is the checksum database's answer for one module.
type sumResult struct {
	h1  string
	err error
}

// verifyAndExtract extracts the zip into tmp and compares its hash with
// the checksum database's (when verification is on).
func (m *Manager) verifyAndExtract(ctx context.Context, mod module.Version, zipPath, tmp string, b *bar, sumc <-chan sumResult, res *fetchResult) error {
	got, files, err := unzipModule(ctx, zipPath, tmp, mod, runtime.GOMAXPROCS(0), m.writeSlots(), b)
	if err != nil {
		return proxySourced(res.marker.URL, err)
	}
	res.marker.Hash = got
	if m.SumDB != nil && !module.MatchPrefixPatterns(m.NoSumDB, mod.Path) {
		var s sumResult
		select {
		case s = <-sumc:
		case <-ctx.Done():
			return ctx.Err()
		}
		if s.err != nil {
			return s.err
		}
		if s.h1 != got {
			return proxySourced(res.marker.URL, &checksumError{got: got, want: s.h1, authority: "the checksum database " + m.SumDB.Name})
		}
	}
	return restoreGoMod(tmp, files)
}

// proxySourced names the proxy in an extraction error.
func proxySourced(url string, err error) error {
	return fmt.Errorf("%s: %w", hostOf(url), err)
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
