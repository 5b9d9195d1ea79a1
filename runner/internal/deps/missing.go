package deps

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// parseGoMod parses a main module's go.mod file, replacements included.
func parseGoMod(file string) (*modfile.File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(file, data, nil)
}

// modCache returns the module cache directory env selects for the go
// command of version: GOMODCACHE (from go1.15), else GOPATH/pkg/mod.
func modCache(env []string, version string) string {
	if dir := lookup(env, "GOMODCACHE"); dir != "" && (version == "" || gover.Compare(version, "go1.15") >= 0) {
		return dir
	}
	gopath := lookup(env, "GOPATH")
	if list := filepath.SplitList(gopath); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod")
	}
	return filepath.Join(lookup(env, "HOME"), "go", "pkg", "mod")
}

// lookup returns key's value in env, the last entry winning as in os/exec.
func lookup(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val = v
		}
	}
	return val
}

// missing returns the modules of the module graph that the module cache
// at cache lacks: those whose go.mod is not cached, and roots whose zip
// is not. The roots are the "path@version" args, or without args the
// requirements of the go.mod in dir. The graph is followed through
// cached go.mod files, so it is every missing module the cache can tell
// of; replacements by local directories are skipped.
func missing(dir string, args []string, cache string) []module.Version {
	f, err := parseGoMod(filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil
	}
	replace := replacer(f)
	var out []module.Version
	queue := roots(f, args)
	direct := len(queue)
	seen := map[module.Version]bool{}
	for i := 0; i < len(queue); i++ {
		m := replace(queue[i])
		if m.Version == "" || seen[m] {
			continue
		}
		seen[m] = true
		reqs, ok := cachedRequires(cache, m)
		if !ok || i < direct && !cached(cache, m, ".zip") {
			out = append(out, m)
		}
		queue = append(queue, reqs...)
	}
	return out
}

// roots returns the modules args name by version, or without args the
// requirements of f.
func roots(f *modfile.File, args []string) []module.Version {
	var list []module.Version
	for _, arg := range args {
		if path, version, ok := strings.Cut(arg, "@"); ok && module.CheckPath(path) == nil && module.CanonicalVersion(version) == version {
			list = append(list, module.Version{Path: path, Version: version})
		}
	}
	if len(args) > 0 {
		return list
	}
	for _, r := range f.Require {
		list = append(list, r.Mod)
	}
	return list
}

// replacer returns the function applying f's replace directives.
func replacer(f *modfile.File) func(module.Version) module.Version {
	return func(m module.Version) module.Version {
		for _, r := range f.Replace {
			if r.Old.Path == m.Path && (r.Old.Version == "" || r.Old.Version == m.Version) {
				return r.New
			}
		}
		return m
	}
}

// cachedRequires returns the requirements of m's cached go.mod, and
// whether it is cached.
func cachedRequires(cache string, m module.Version) ([]module.Version, bool) {
	file, err := cacheFile(cache, m, ".mod")
	if err != nil {
		return nil, false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	// Lax: a dependency's replacements do not apply, and its go.mod may
	// be newer than this parser. If it is unreadable anyway, the go
	// command will say what is wrong.
	f, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		return nil, true
	}
	var reqs []module.Version
	for _, r := range f.Require {
		reqs = append(reqs, r.Mod)
	}
	return reqs, true
}

func cached(cache string, m module.Version, ext string) bool {
	file, err := cacheFile(cache, m, ext)
	if err != nil {
		return false
	}
	_, err = os.Stat(file)
	return err == nil
}

// cacheFile returns the path of m's file with extension ext (".mod",
// ".zip") in the module cache's download directory.
func cacheFile(cache string, m module.Version, ext string) (string, error) {
	path, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	version, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "cache", "download", path, "@v", version+ext), nil
}
