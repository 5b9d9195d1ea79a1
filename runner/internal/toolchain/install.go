package toolchain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A fetchResult is what a source produced in a temporary directory.
type fetchResult struct {
	size   int64 // bytes downloaded
	marker marker
}

// install makes toolchain version v present in the cache and returns its
// GOROOT and the source it came from. Installs are crash-safe and shared:
//
//  1. It takes v's lock ($CacheDir/locks/<v>.lock), so of several runners
//     (goroutines or processes) wanting v only one fetches it; the others
//     wait and then find it installed.
//  2. It removes what an interrupted install of v left behind.
//  3. Each source in turn fetches into a fresh temporary directory beside
//     the target ($CacheDir/toolchains/.tmp-<v>-*), verifies, and writes
//     the completion marker last.
//  4. The directory is renamed into place: the target is either absent or
//     whole, whatever kills the process and whenever.
//
// size is the bytes downloaded: 0 when another runner installed it.
func (m *Manager) install(ctx context.Context, v string, prog *progress, db *checksumDB) (goroot, source string, size int64, err error) {
	if m.Offline {
		return "", "", 0, withHint(hintFor(errOffline, "", v), errOffline, "fetch %s: not installed, and offline (GOMATRIX_OFFLINE is set)", v)
	}
	var sources []string
	for _, s := range m.Sources {
		if s == SourceProxy || s == SourceDL {
			sources = append(sources, s)
		}
	}
	if len(sources) == 0 {
		return "", "", 0, withHint("add proxy or dl to GOMATRIX_SOURCES, or install it with golang.org/dl", nil,
			"fetch %s: not installed, and GOMATRIX_SOURCES=%s allows no download", v, strings.Join(m.Sources, ","))
	}

	release, err := lockFile(ctx, m.lockPath(v), func() {
		prog.notef("fetch %s: waiting for another runner fetching it", v)
	})
	if err != nil {
		return "", "", 0, withHint("check that the cache directory is writable, or set GOMATRIX_CACHE", err, "fetch %s: %v", v, err)
	}
	defer release()
	if dir, src, ok := m.installed(v); ok {
		return dir, src, 0, nil
	}
	m.cleanLocked(v)

	target := filepath.Join(m.toolchainsDir(), v)
	var errs []error
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			return "", "", 0, err
		}
		size, err := m.installFrom(ctx, src, v, target, prog, db)
		if err == nil {
			return target, src, size, nil
		}
		if ctx.Err() != nil {
			return "", "", 0, fmt.Errorf("fetch %s: %w", v, ctx.Err())
		}
		errs = append(errs, err)
	}
	return "", "", 0, fetchFailed(v, sources, errs)
}

// fetchFailed makes the one-line error of a fetch every source failed:
// each source's failure in order, and the hint of the first that has one.
func fetchFailed(v string, sources []string, errs []error) error {
	var parts []string
	hint := ""
	for i, err := range errs {
		parts = append(parts, sourceLabel(sources[i])+": "+lineOf(err))
		if hint == "" {
			hint = hintOf(err)
		}
		if hint == "" {
			hint = hintFor(err, sources[i], v)
		}
	}
	return &hintError{msg: fmt.Sprintf("fetch %s: %s", v, strings.Join(parts, "; ")), hint: hint, err: errors.Join(errs...)}
}

func sourceLabel(src string) string {
	if src == SourceDL {
		return "dl"
	}
	return "proxy"
}

// installFrom fetches v from one source into a temporary directory and
// renames it to target, returning the bytes it downloaded. Nothing it
// leaves on failure is ever used.
func (m *Manager) installFrom(ctx context.Context, src, v, target string, prog *progress, db *checksumDB) (int64, error) {
	if err := os.MkdirAll(m.toolchainsDir(), 0o777); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(m.toolchainsDir(), ".tmp-"+v+"-")
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	var res fetchResult
	switch src {
	case SourceProxy:
		res, err = m.fetchProxy(ctx, v, tmp, prog, db)
	case SourceDL:
		res, err = m.fetchDL(ctx, v, tmp, prog)
	}
	if err != nil {
		return 0, err
	}
	res.marker.Installed = m.clock().UTC()
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), mustJSON(res.marker), 0o644); err != nil {
		return 0, fmt.Errorf("write marker: %w", err)
	}
	// MkdirTemp made tmp private; a GOROOT is for everyone to read.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, target); err != nil {
		return 0, fmt.Errorf("move into place: %w", err)
	}
	ok = true
	return res.size, nil
}
