package toolchain

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// completeMarker is the file written last into a toolchain the runner
// installed, before the directory is renamed into place. A directory
// without it (an install killed half-way, by whatever means) is never
// used; the next fetch of that version removes it and starts again.
const completeMarker = ".gomatrix-complete"

// sdkMarker is the file golang.org/dl writes last into $HOME/sdk/goX.Y.Z.
const sdkMarker = ".unpacked-success"

// A marker is the content of completeMarker: where a toolchain came
// from and how it was checked.
type marker struct {
	Version   string    `json:"version"`
	Source    string    `json:"source"` // "proxy", "dl"
	URL       string    `json:"url"`
	Hash      string    `json:"hash,omitempty"` // "h1:…" or "sha256:…"
	Verified  string    `json:"verified"`       // what vouched for Hash: "sum.golang.org", "….sha256", "none (GOSUMDB=off)"
	Installed time.Time `json:"installed"`
}

// An Installed is a toolchain on disk, in the runner's cache or in
// golang.org/dl's $HOME/sdk.
type Installed struct {
	// Version is the release, "go1.13.15".
	Version string `json:"version"`
	// GOROOT is the directory it is installed in.
	GOROOT string `json:"goroot"`
	// Source is "cache" or "sdk".
	Source string `json:"source"`
	// Size is the bytes the tree holds, if asked for.
	Size int64 `json:"size,omitempty"`
	// BuildCache is the size of its build cache, $CacheDir/gocache/<version>.
	BuildCache int64 `json:"build_cache,omitempty"`
}

func (m *Manager) toolchainsDir() string { return filepath.Join(m.CacheDir, "toolchains") }
func (m *Manager) lockPath(v string) string {
	return filepath.Join(m.CacheDir, "locks", v+".lock")
}
func (m *Manager) gocacheDir(v string) string { return filepath.Join(m.CacheDir, "gocache", v) }

// installed returns where version v is installed, if it is: the cache
// first, then golang.org/dl's sdk directory if "installed" is a source.
func (m *Manager) installed(v string) (goroot, source string, ok bool) {
	dir := filepath.Join(m.toolchainsDir(), v)
	if isComplete(dir, completeMarker) {
		return dir, "cache", true
	}
	if m.SDKDir != "" && slices.Contains(m.Sources, SourceInstalled) {
		dir := filepath.Join(m.SDKDir, v)
		if isComplete(dir, sdkMarker) {
			return dir, "sdk", true
		}
	}
	return "", "", false
}

// isComplete reports whether dir holds a whole toolchain: its marker and
// its go command (go, or go.exe for a windows toolchain).
func isComplete(dir, markerName string) bool {
	if _, err := os.Stat(filepath.Join(dir, markerName)); err != nil {
		return false
	}
	for _, name := range []string{"go", "go.exe"} {
		if _, err := os.Stat(filepath.Join(dir, "bin", name)); err == nil {
			return true
		}
	}
	return false
}

// List returns the toolchains installed in the cache and, if "installed"
// is a source, in $HOME/sdk, by ascending version (the cache first for
// a version in both). With sizes, it also measures each tree and its
// build cache, which reads every directory.
func (m *Manager) List(sizes bool) ([]Installed, error) {
	var out []Installed
	scan := func(root, markerName, source string) error {
		entries, err := os.ReadDir(root)
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		for _, e := range entries {
			v := e.Name()
			dir := filepath.Join(root, v)
			if !e.IsDir() || gover.Normalize(v) != v || !isComplete(dir, markerName) {
				continue
			}
			in := Installed{Version: v, GOROOT: dir, Source: source}
			if sizes {
				in.Size = dirSize(dir)
				if source == "cache" {
					in.BuildCache = dirSize(m.gocacheDir(v))
				}
			}
			out = append(out, in)
		}
		return nil
	}
	if err := scan(m.toolchainsDir(), completeMarker, "cache"); err != nil {
		return nil, err
	}
	if m.SDKDir != "" && slices.Contains(m.Sources, SourceInstalled) {
		if err := scan(m.SDKDir, sdkMarker, "sdk"); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b Installed) int { return gover.Compare(a.Version, b.Version) })
	return out, nil
}

func (m *Manager) installedVersions() []string {
	list, _ := m.List(false)
	var out []string
	for _, in := range list {
		out = append(out, in.Version)
	}
	return out
}

// dirSize returns the bytes the regular files under dir hold (0 if dir
// does not exist).
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// Prune removes from the cache every toolchain for which keep returns
// false, with its build cache ($CacheDir/gocache/<version>), and the
// leftovers of interrupted installs (temporary directories, directories
// without their marker, partial downloads) that no runner is working on.
// Toolchains in $HOME/sdk are never touched. With dryRun it only reports.
// It returns what it removed (or would), sizes included.
func (m *Manager) Prune(ctx context.Context, keep func(version string) bool, dryRun bool) ([]Installed, error) {
	list, err := m.List(true)
	if err != nil {
		return nil, err
	}
	var removed []Installed
	for _, in := range list {
		if in.Source != "cache" || keep(in.Version) {
			continue
		}
		removed = append(removed, in)
		if dryRun {
			continue
		}
		if err := m.remove(ctx, in.Version); err != nil {
			return removed, err
		}
	}
	if !dryRun {
		m.removeLeftovers(ctx)
	}
	return removed, nil
}

// remove deletes cached toolchain v and its build cache, under v's lock so
// no fetch of v is in progress. The marker goes first: a removal cut
// short leaves a directory the next fetch knows to be incomplete.
func (m *Manager) remove(ctx context.Context, v string) error {
	release, err := lockFile(ctx, m.lockPath(v), nil)
	if err != nil {
		return err
	}
	defer release()
	dir := filepath.Join(m.toolchainsDir(), v)
	if err := os.Remove(filepath.Join(dir, completeMarker)); err != nil && !os.IsNotExist(err) {
		return withHint("", err, "remove %s: %v", v, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return withHint("", err, "remove %s: %v", v, err)
	}
	if err := os.RemoveAll(m.gocacheDir(v)); err != nil {
		return withHint("", err, "remove build cache of %s: %v", v, err)
	}
	return nil
}

// removeLeftovers deletes what interrupted installs left, for each
// version whose lock it can take at once (a version being fetched right
// now is left alone).
func (m *Manager) removeLeftovers(ctx context.Context) {
	versions := map[string]bool{}
	entries, _ := os.ReadDir(m.toolchainsDir())
	for _, e := range entries {
		name := e.Name()
		if v, ok := strings.CutPrefix(name, ".tmp-"); ok {
			if i := strings.LastIndex(v, "-"); i > 0 {
				versions[v[:i]] = true
			}
		} else if gover.Normalize(name) == name && !isComplete(filepath.Join(m.toolchainsDir(), name), completeMarker) {
			versions[name] = true
		}
	}
	downloads, _ := os.ReadDir(m.downloadsDir())
	for _, e := range downloads {
		if v, _, ok := strings.Cut(e.Name(), "-"); ok {
			versions[v] = true
		}
	}
	for v := range versions {
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		release, err := lockFile(ctx, m.lockPath(v), nil)
		cancel()
		if err != nil {
			continue
		}
		m.cleanLocked(v)
		release()
	}
}

// cleanLocked removes the leftovers of interrupted installs of v; the
// caller holds v's lock.
func (m *Manager) cleanLocked(v string) {
	dir := filepath.Join(m.toolchainsDir(), v)
	if _, err := os.Stat(dir); err == nil && !isComplete(dir, completeMarker) {
		os.RemoveAll(dir)
	}
	tmps, _ := filepath.Glob(filepath.Join(m.toolchainsDir(), ".tmp-"+v+"-*"))
	dls, _ := filepath.Glob(filepath.Join(m.downloadsDir(), v+"-*"))
	for _, p := range append(tmps, dls...) {
		os.RemoveAll(p)
	}
}

func (m *Manager) downloadsDir() string { return filepath.Join(m.CacheDir, "downloads") }

func readMarker(dir string) (marker, error) {
	var mk marker
	data, err := os.ReadFile(filepath.Join(dir, completeMarker))
	if err == nil {
		err = json.Unmarshal(data, &mk)
	}
	return mk, err
}
