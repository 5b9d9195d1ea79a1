package matrix

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Packages lists the packages below root that the pattern pat matches,
// as go test would: "./..." every directory with Go files, "./x/..." those
// below x, "./x" that one. It skips what the go command skips: testdata,
// vendor, directories starting with "." or "_", and nested modules.
func Packages(root, pat string) ([]string, error) {
	base, all := strings.CutSuffix(pat, "/...")
	if pat == "./..." {
		base, all = ".", true
	}
	start := filepath.Join(root, filepath.FromSlash(base))
	var out []string
	err := filepath.WalkDir(start, func(p string, de fs.DirEntry, err error) error {
		if err != nil || !de.IsDir() {
			return err
		}
		if p != start && (!all || skipDir(p, de.Name())) {
			return filepath.SkipDir
		}
		if hasGoFiles(p) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, "./"+filepath.ToSlash(rel))
		}
		return nil
	})
	for i, p := range out {
		out[i] = path.Clean(p)
		if out[i] != "." {
			out[i] = "./" + out[i]
		}
	}
	sort.Strings(out)
	return out, err
}

// skipDir reports whether the go command leaves the directory out of a
// "..." pattern.
func skipDir(p, name string) bool {
	if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	_, err := os.Stat(filepath.Join(p, "go.mod"))
	return err == nil // another module
}

func hasGoFiles(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			return true
		}
	}
	return false
}

// ForPackage returns the case for one package pkg ("./x") of a case with
// a package pattern: named "case/x" ("case" for the root package), with
// a hash of its own, so each has its builds, cells and cached results.
func (c *Case) ForPackage(pkg string) *Case {
	p := *c
	p.Packages, p.Package = "", pkg
	if rel := strings.TrimPrefix(pkg, "./"); rel != "." {
		p.Name = c.Name + "/" + rel
	}
	h := sha256.Sum256([]byte(c.Hash + "\x00" + pkg))
	p.Hash = hex.EncodeToString(h[:])
	return &p
}
