package toolchain

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// DefaultDLIndex is the list of releases go.dev publishes, with the
// archives of each. It complements the proxy's list with releases only
// GOMATRIX_DL_BASE serves; where go.dev is unreachable it is skipped
// after a short timeout.
const DefaultDLIndex = "https://go.dev/dl/?mode=json&include=all"

// DefaultListTTL is how long a fetched list of releases is used before
// it is fetched again.
const DefaultListTTL = time.Hour

// A releaseList is the releases available for one platform, as cached in
// $CacheDir/releases-<goos>-<goarch>.json.
type releaseList struct {
	// Key is the configuration the list was fetched with; a list fetched
	// through other proxies is used only offline.
	Key     string    `json:"key"`
	Fetched time.Time `json:"fetched"`
	// From names where the list came from, for messages.
	From string `json:"from"`
	// Proxy is what GOPROXY's golang.org/toolchain/@v/list holds for the
	// platform; DL is what go.dev lists, if it was reachable.
	Proxy []string `json:"proxy,omitempty"`
	DL    []string `json:"dl,omitempty"`
}

// versions returns every release in l.
func (l *releaseList) versions() []string {
	if l == nil {
		return nil
	}
	return sortedReleases(append(slices.Clone(l.Proxy), l.DL...))
}

func (m *Manager) listPath() string {
	return filepath.Join(m.CacheDir, "releases-"+m.GOOS+"-"+m.GOARCH+".json")
}

// listKey identifies the configuration a list depends on.
func (m *Manager) listKey() string {
	var p []string
	if slices.Contains(m.Sources, SourceProxy) {
		for _, x := range m.Proxies {
			p = append(p, x.URL)
		}
	}
	if slices.Contains(m.Sources, SourceDL) {
		p = append(p, m.DLIndex)
	}
	return strings.Join(p, " ")
}

// releaseList returns the list of releases to resolve selectors against:
// the cached one while fresh, else a new one, else (offline, or the
// network failing) the cached one however old, with a note on Progress
// saying so. It returns nil if there is no list at all.
func (m *Manager) releaseList(ctx context.Context, prog *progress) *releaseList {
	cached := m.readList()
	age := func() string { return m.clock().Sub(cached.Fetched).Round(time.Second).String() }
	if cached != nil && cached.Key == m.listKey() && m.clock().Sub(cached.Fetched) < m.ListTTL {
		return cached
	}
	if m.Offline {
		if cached == nil {
			prog.notef("note: offline (GOMATRIX_OFFLINE is set) and no list of releases is cached: only installed toolchains and exact versions resolve")
			return nil
		}
		prog.notef("note: offline (GOMATRIX_OFFLINE is set): using the list of releases from %s cached %s ago, and installed toolchains", cached.From, age())
		return cached
	}
	fresh, err := m.fetchList(ctx, cached)
	if err != nil {
		if cached == nil {
			prog.notef("note: cannot fetch the list of releases (%s): only installed toolchains and exact versions resolve", lineOf(err))
			return nil
		}
		prog.notef("note: cannot fetch the list of releases (%s): using the one from %s cached %s ago, and installed toolchains", lineOf(err), cached.From, age())
		return cached
	}
	if err := writeFileAtomic(m.listPath(), mustJSON(fresh)); err != nil {
		prog.notef("note: cannot cache the list of releases: %v", err)
	}
	return fresh
}

func (m *Manager) readList() *releaseList {
	data, err := os.ReadFile(m.listPath())
	if err != nil {
		return nil
	}
	var l releaseList
	if json.Unmarshal(data, &l) != nil {
		return nil
	}
	return &l
}

// fetchList fetches the proxy's list and go.dev's, at once. The proxy's
// must succeed when the proxy is a source; go.dev's is best effort, and
// when it fails the cached copy of it (if any) stands in.
func (m *Manager) fetchList(ctx context.Context, cached *releaseList) (*releaseList, error) {
	l := &releaseList{Key: m.listKey(), Fetched: m.clock()}
	var (
		wg               sync.WaitGroup
		proxyErr, dlErr  error
		proxyFrom        Proxy
		proxyVers, dlVer []string
	)
	useProxy := slices.Contains(m.Sources, SourceProxy)
	useDL := slices.Contains(m.Sources, SourceDL) && m.DLIndex != ""
	if useProxy {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			proxyFrom, proxyErr = m.viaProxies(func(p Proxy) error {
				data, err := m.getBytes(ctx, p.URL+"/"+toolchainModule+"/@v/list", 4<<20)
				if err == nil {
					proxyVers = parseProxyList(string(data), m.GOOS, m.GOARCH)
				}
				return err
			})
		})
	}
	if useDL {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			data, err := m.getBytes(ctx, m.DLIndex, 32<<20)
			if err == nil {
				dlVer, err = parseDLIndex(data, m.GOOS, m.GOARCH)
			}
			dlErr = err
		})
	}
	wg.Wait()
	var from []string
	if useProxy {
		if proxyErr != nil {
			return nil, proxyErr
		}
		l.Proxy = proxyVers
		from = append(from, proxyFrom.String())
	}
	if useDL {
		switch {
		case dlErr == nil:
			l.DL = dlVer
			from = append(from, hostOf(m.DLIndex))
		case cached != nil && len(cached.DL) > 0:
			l.DL = cached.DL
			from = append(from, hostOf(m.DLIndex)+" (cached)")
		case !useProxy:
			return nil, fmt.Errorf("%s: %w", hostOf(m.DLIndex), dlErr)
		}
	}
	if len(from) == 0 {
		return nil, fmt.Errorf("no source lists releases (GOMATRIX_SOURCES=%s)", strings.Join(m.Sources, ","))
	}
	l.From = strings.Join(from, " and ")
	return l, nil
}

// toolchainModule is the module the Go module proxy serves toolchains as.
const toolchainModule = "golang.org/toolchain"

// parseProxyList returns the releases a golang.org/toolchain/@v/list
// holds for goos/goarch: its lines look like v0.0.1-go1.13.15.linux-amd64.
func parseProxyList(list, goos, goarch string) []string {
	var out []string
	suffix := "." + goos + "-" + goarch
	for _, line := range strings.Fields(list) {
		v, ok := strings.CutPrefix(line, "v0.0.1-")
		if !ok {
			continue
		}
		if v, ok = strings.CutSuffix(v, suffix); ok && gover.Normalize(v) == v {
			out = append(out, v)
		}
	}
	return sortedReleases(out)
}

// parseDLIndex returns the releases go.dev's JSON list has an archive of
// for goos/goarch.
func parseDLIndex(data []byte, goos, goarch string) ([]string, error) {
	var rels []struct {
		Version string `json:"version"`
		Files   []struct {
			OS   string `json:"os"`
			Arch string `json:"arch"`
			Kind string `json:"kind"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &rels); err != nil {
		return nil, fmt.Errorf("parse release index: %w", err)
	}
	var out []string
	for _, r := range rels {
		for _, f := range r.Files {
			if f.OS == goos && f.Arch == goarch && f.Kind == "archive" && gover.Normalize(r.Version) == r.Version {
				out = append(out, r.Version)
				break
			}
		}
	}
	return sortedReleases(out), nil
}

func hostOf(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	h, _, _ := strings.Cut(u, "/")
	return h
}

func mustJSON(v any) []byte {
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		panic(err)
	}
	return append(data, '\n')
}
