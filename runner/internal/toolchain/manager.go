package toolchain

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// A Manager resolves `versions` selectors to toolchains and installs the
// ones missing. Its configuration comes from the environment (see
// NewManager); the fields may be changed before first use.
type Manager struct {
	// CacheDir is the root of the runner's cache ($GOMATRIX_CACHE):
	// toolchains/, sumdb/, downloads/, locks/ and the cached list of
	// releases live under it.
	CacheDir string
	// Progress receives notes and download progress; nil discards them.
	Progress io.Writer
	// IsTTY draws a progress bar per download on Progress instead of
	// one line at the start and end of each.
	IsTTY bool

	// Proxies is GOPROXY, parsed.
	Proxies []Proxy
	// SumDB is GOSUMDB, parsed; nil when GOSUMDB=off.
	SumDB *SumDB
	// NoSumDB holds the module path patterns of GONOSUMDB (or, if that is
	// unset, GOPRIVATE): modules matching are not verified.
	NoSumDB string
	// DLBase is GOMATRIX_DL_BASE: the URL release archives are fetched
	// from by the "dl" source, ending in "/".
	DLBase string
	// DLIndex is the URL of go.dev's JSON list of releases (DefaultDLIndex),
	// read when "dl" is a source; "" skips it.
	DLIndex string
	// Sources is GOMATRIX_SOURCES: which of "installed", "proxy" and "dl"
	// are used, downloads tried in the order listed.
	Sources []string
	// SDKDir is golang.org/dl's directory, $HOME/sdk.
	SDKDir string
	// Offline is GOMATRIX_OFFLINE: no network at all; only the cached
	// list of releases and installed toolchains are used.
	Offline bool
	// HTTP is the client for every request.
	HTTP *http.Client
	// Parallel bounds how many toolchains Ensure fetches at once.
	Parallel int
	// ListTTL is how long a fetched list of releases is trusted.
	ListTTL time.Duration
	// GOOS and GOARCH name the platform toolchains are fetched for.
	GOOS, GOARCH string

	now func() time.Time // the clock, for tests of the list's TTL

	slotsOnce sync.Once
	slots     chan struct{} // see writeSlots
}

// writeSlots returns the tokens that bound how many files the manager's
// extractions write at once: one per CPU.
func (m *Manager) writeSlots() chan struct{} {
	m.slotsOnce.Do(func() { m.slots = make(chan struct{}, runtime.GOMAXPROCS(0)) })
	return m.slots
}

// NewManager returns a Manager caching under cacheDir, configured from
// the environment variables getenv reads:
//
//	GOPROXY           proxies, with "," and "|" fallbacks (default https://proxy.golang.org,direct)
//	GOSUMDB           checksum database (default sum.golang.org; off disables verification)
//	GONOSUMDB         module patterns not verified (default GOPRIVATE)
//	GOMATRIX_SOURCES  sources, in order (default installed,proxy,dl)
//	GOMATRIX_DL_BASE  base URL of release archives (default https://dl.google.com/go/)
//	GOMATRIX_OFFLINE  1: use only the cached list and installed toolchains
//	HOME              golang.org/dl's $HOME/sdk (USERPROFILE on windows)
func NewManager(cacheDir string, getenv func(string) string) (*Manager, error) {
	if !filepath.IsAbs(cacheDir) {
		abs, err := filepath.Abs(cacheDir)
		if err != nil {
			return nil, err
		}
		cacheDir = abs
	}
	m := &Manager{
		CacheDir: cacheDir,
		DLIndex:  DefaultDLIndex,
		HTTP:     defaultHTTPClient(),
		Parallel: 2,
		ListTTL:  DefaultListTTL,
		GOOS:     runtime.GOOS,
		GOARCH:   runtime.GOARCH,
	}
	var err error
	if m.Proxies, err = ParseGOPROXY(getenv("GOPROXY")); err != nil {
		return nil, err
	}
	if m.SumDB, err = ParseGOSUMDB(getenv("GOSUMDB")); err != nil {
		return nil, err
	}
	m.NoSumDB = getenv("GONOSUMDB")
	if m.NoSumDB == "" {
		m.NoSumDB = getenv("GOPRIVATE")
	}
	if m.Sources, err = ParseSources(getenv("GOMATRIX_SOURCES")); err != nil {
		return nil, err
	}
	if m.DLBase, err = parseDLBase(getenv("GOMATRIX_DL_BASE")); err != nil {
		return nil, err
	}
	if m.Offline, err = parseBool("GOMATRIX_OFFLINE", getenv("GOMATRIX_OFFLINE")); err != nil {
		return nil, err
	}
	home := getenv("HOME")
	if runtime.GOOS == "windows" {
		home = getenv("USERPROFILE")
	}
	if home != "" {
		m.SDKDir = filepath.Join(home, "sdk")
	}
	return m, nil
}

func (m *Manager) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

func (m *Manager) progress() *progress { return newProgress(m.Progress, m.IsTTY) }

// Resolve expands selectors (see Select) into toolchains, without
// downloading any: each gets Selector and Version, and GOROOT and Source
// if it is installed already. "local" is the go command on PATH; an
// absolute path is the GOROOT there. A selector that cannot be resolved
// yields one Toolchain with Error set (a line naming the selector and the
// list it was resolved against, then a hint line), and the rest go on.
// Toolchains are in the order of the selectors, each selector's ascending
// by version; a version a selector before already gave is dropped.
//
// The list of releases is fetched (or read from its cache) only if a
// selector needs it. The error result is only for a cancelled ctx.
func (m *Manager) Resolve(ctx context.Context, selectors []string) ([]Toolchain, error) {
	prog := m.progress()
	var out resolved
	var rel *candidates // loaded when a selector first needs it
	for _, sel := range selectors {
		if err := ctx.Err(); err != nil {
			return out.list, err
		}
		s := strings.TrimSpace(sel)
		if t, ok := resolvePath(ctx, sel, s); ok {
			out.add(t)
			continue
		}
		if rel == nil {
			rel = m.loadCandidates(ctx, prog)
		}
		for _, t := range m.resolveVersions(sel, s, rel) {
			out.add(t)
		}
	}
	return out.list, ctx.Err()
}

// resolved is what Resolve returns: toolchains in order, each version
// once.
type resolved struct {
	list []Toolchain
	seen map[string]bool // versions in list
}

// add appends t unless a toolchain of its version is there already.
func (r *resolved) add(t Toolchain) {
	if t.Version != "" {
		if r.seen[t.Version] {
			return
		}
		if r.seen == nil {
			r.seen = map[string]bool{}
		}
		r.seen[t.Version] = true
	}
	r.list = append(r.list, t)
}

// resolvePath resolves selector sel (s, trimmed) when it names a
// toolchain by where it is: "local" or a GOROOT path. A toolchain that
// is not there is returned with Error set.
func resolvePath(ctx context.Context, sel, s string) (Toolchain, bool) {
	var t Toolchain
	var err error
	switch {
	case s == "local":
		if t, err = Local(ctx); err != nil {
			t = Toolchain{Error: errorText(err)}
		}
	case filepath.IsAbs(s):
		if t, err = FromGOROOT(s); err != nil {
			t.Error = errorText(err)
		}
	default:
		return Toolchain{}, false
	}
	t.Selector = sel
	return t, true
}

// candidates are the versions selectors are resolved against: the list
// of releases, when one can be had, and the installed toolchains.
type candidates struct {
	avail    []string
	haveList bool
	from     string // "the list from proxy.golang.org", for messages
}

// loadCandidates fetches the list of releases, or reads it from its
// cache, and lists the installed toolchains.
func (m *Manager) loadCandidates(ctx context.Context, prog *progress) *candidates {
	l := m.releaseList(ctx, prog)
	rel := &candidates{avail: append(l.versions(), m.installedVersions()...), haveList: l != nil}
	if !rel.haveList {
		rel.from = "the installed toolchains (no list of releases)"
		return rel
	}
	rel.from = "the list from " + l.From
	if age := m.clock().Sub(l.Fetched); age > m.ListTTL {
		rel.from += " (cached " + age.Round(time.Minute).String() + " ago)"
	}
	return rel
}

// resolveVersions resolves selector sel (s, trimmed) against rel: a
// toolchain per version it selects, or one with Error set saying why it
// selects none.
func (m *Manager) resolveVersions(sel, s string, rel *candidates) []Toolchain {
	versions, err := Select(s, rel.avail)
	if err != nil && IsExact(s) && !rel.haveList {
		// With no list to check against, an exact version is taken
		// on trust: fetching it will tell.
		versions, err = []string{gover.Normalize(s)}, nil
	}
	if err != nil {
		where := ""
		if errors.Is(err, errNoMatch) {
			where = " in " + rel.from
		}
		return []Toolchain{{Selector: sel, Error: errorText(withHint(hintOf(err), err, "version %s: %s%s", s, lineOf(err), where))}}
	}
	var out []Toolchain
	for _, v := range versions {
		t := Toolchain{Selector: sel, Version: v}
		if dir, src, ok := m.installed(v); ok {
			t.GOROOT, t.Source = dir, src
		}
		out = append(out, t)
	}
	return out
}

// Ensure installs every toolchain in tcs that has a Version but no GOROOT
// and no Error, at most m.Parallel at once, and returns tcs with GOROOT
// and Source set (and Fetch, for those it downloaded), or Error (a line
// naming the version and each source tried, then a hint) where it
// failed. The other toolchains are returned as they were. A toolchain
// that is not installed whole is never used: see install for how a crash
// at any point is survived.
func (m *Manager) Ensure(ctx context.Context, tcs []Toolchain) []Toolchain {
	got := map[string]Toolchain{}
	m.EnsureEach(ctx, tcs, func(t Toolchain) { got[t.Version] = t })
	out := slices.Clone(tcs)
	for i, t := range out {
		if g, ok := got[t.Version]; ok && t.GOROOT == "" && t.Error == "" {
			out[i].GOROOT, out[i].Source, out[i].Error, out[i].Fetch = g.GOROOT, g.Source, g.Error, g.Fetch
		}
	}
	return out
}

// EnsureEach installs what Ensure installs, and calls done with each
// version to install as soon as it is had or has failed: the first
// toolchain of tcs naming it, with GOROOT and Source set (and Fetch when
// it was downloaded), or Error. Versions installed already come first, at
// once; the others are fetched in the order of tcs, at most m.Parallel
// at once. The calls of done are serialised, and EnsureEach returns after
// the last. When ctx is cancelled, the fetches not done end at once with
// Error set.
func (m *Manager) EnsureEach(ctx context.Context, tcs []Toolchain, done func(Toolchain)) {
	var mu sync.Mutex
	report := func(t Toolchain) {
		mu.Lock()
		defer mu.Unlock()
		done(t)
	}
	todo := m.toInstall(tcs, report)
	if len(todo) == 0 {
		return
	}
	prog := m.progress()
	var db *checksumDB
	if m.SumDB != nil {
		db = m.newChecksumDB(ctx)
	}
	var g errgroup.Group
	g.SetLimit(max(1, m.Parallel))
	for _, t := range todo {
		g.Go(func() error {
			report(m.fetch(ctx, t, prog, db))
			return nil
		})
	}
	g.Wait()
}

// toInstall returns the first toolchain of each version of tcs that has
// to be installed, reporting at once those installed already.
func (m *Manager) toInstall(tcs []Toolchain, report func(Toolchain)) []Toolchain {
	var todo []Toolchain
	seen := map[string]bool{}
	for _, t := range tcs {
		if t.GOROOT != "" || t.Error != "" || t.Version == "" || seen[t.Version] {
			continue
		}
		seen[t.Version] = true
		if dir, src, ok := m.installed(t.Version); ok {
			t.GOROOT, t.Source = dir, src
			report(t)
			continue
		}
		todo = append(todo, t)
	}
	return todo
}

// fetch installs t and returns it with GOROOT and Source set, and Fetch
// when it was downloaded, or with Error set.
func (m *Manager) fetch(ctx context.Context, t Toolchain, prog *progress, db *checksumDB) Toolchain {
	start := time.Now()
	dir, src, size, err := m.install(ctx, t.Version, prog, db)
	if err != nil {
		t.Error = errorText(err)
		return t
	}
	t.GOROOT, t.Source = dir, src
	if size > 0 {
		t.Fetch = &Fetch{Bytes: size, MS: float64(time.Since(start).Microseconds()) / 1000}
	}
	return t
}
