package toolchain

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// unzipModule extracts the module zip at zipPath, which must hold module
// m, into dir (absent or empty), and returns the zip's h1: hash and the
// names of the files it wrote, relative to dir. The hash is the value
// dirhash.HashZip(zipPath, dirhash.Hash1) returns, computed from the bytes
// as they are written, so that the 300 MB a toolchain holds are inflated
// once instead of twice (HashZip, then Unzip). The caller compares it with
// the checksum database's before the tree is used: until then dir is a
// temporary directory.
//
// It enforces what golang.org/x/mod/zip.Unzip enforces, through the same
// zip.CheckZip (path prefix, clean and portable names, no collisions, no
// go.mod below the root, total size at most zip.MaxZipFile, 500 MB, which
// a toolchain's 220–320 MB fit), and Unzip's rule that no file inflates
// past its declared size. Unlike Unzip it extracts with several workers,
// and gives files modes, since module zips carry none: 0o755 under bin/
// and pkg/tool/, as cmd/go sets them, and 0o644 elsewhere.
//
// Each file is written holding a token from slots, which bounds how many
// files all extractions together write at once: on two cores, two
// extractions of two workers each spend more time contending in the
// kernel than writing. A nil slots means no bound but workers.
func unzipModule(ctx context.Context, zipPath, dir string, m module.Version, workers int, slots chan struct{}, b *bar) (h1 string, files []string, err error) {
	cf, err := modzip.CheckZip(m, zipPath)
	if err != nil {
		return "", nil, fmt.Errorf("invalid module zip: %s", firstZipError(cf, err))
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		return "", nil, fmt.Errorf("invalid module zip: %w", err)
	}
	defer z.Close()

	prefix := m.Path + "@" + m.Version + "/"
	dirs, total := zipDirs(z.File, prefix, dir)
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o777); err != nil {
			return "", nil, err
		}
	}
	b.setPhase("extract", total)
	x := &extraction{zfs: z.File, order: largestFirst(z.File), prefix: prefix, dir: dir, slots: slots, b: b,
		sums: make([][sha256.Size]byte, len(z.File))}
	if err := x.run(ctx, workers); err != nil {
		return "", nil, err
	}
	names, files := entryNames(z.File, prefix)
	h1, err = hash1(names, x.sums)
	return h1, files, err
}

// entryName is the name of zf relative to the module root (prefix
// stripped: CheckZip made sure of it) and whether it is a directory.
func entryName(zf *zip.File, prefix string) (name string, isDir bool) {
	name = strings.TrimPrefix(zf.Name, prefix)
	return name, name == "" || strings.HasSuffix(name, "/")
}

// zipDirs returns, sorted, the directories under dir that extracting
// zfs needs (dir among them), and the size of zfs inflated.
func zipDirs(zfs []*zip.File, prefix, dir string) ([]string, int64) {
	dirs := map[string]bool{dir: true}
	var total int64
	for _, zf := range zfs {
		total += int64(zf.UncompressedSize64)
		name, isDir := entryName(zf, prefix)
		if isDir {
			dirs[filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(name, "/")))] = true
			continue
		}
		dirs[filepath.Dir(filepath.Join(dir, filepath.FromSlash(name)))] = true
	}
	return slices.Sorted(maps.Keys(dirs)), total
}

// largestFirst returns the indexes of zfs, largest file first, so no
// worker is left inflating bin/go alone at the end.
func largestFirst(zfs []*zip.File) []int {
	order := make([]int, len(zfs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		sa, sb := zfs[a].UncompressedSize64, zfs[b].UncompressedSize64
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	return order
}

// entryNames returns the names of the entries of zfs as the zip has
// them, and those of its files relative to the module root.
func entryNames(zfs []*zip.File, prefix string) (names, files []string) {
	names = make([]string, len(zfs))
	for i, zf := range zfs {
		names[i] = zf.Name
		if name, isDir := entryName(zf, prefix); !isDir {
			files = append(files, name)
		}
	}
	return names, files
}

// An extraction is the entries of one module zip being written into dir
// by several workers, each taking the next entry in order; the first
// error stops them all.
type extraction struct {
	zfs         []*zip.File
	order       []int // of zfs, as taken
	prefix, dir string
	slots       chan struct{} // see unzipModule; nil for no bound
	b           *bar
	sums        [][sha256.Size]byte // of each entry of zfs, as written

	next    atomic.Int64 // of order, the next entry to take
	failed  atomic.Bool
	errOnce sync.Once
	err     error // the first error
}

// run extracts every entry with up to workers workers.
func (x *extraction) run(ctx context.Context, workers int) error {
	var wg sync.WaitGroup
	for range max(1, min(workers, len(x.order))) {
		wg.Go(func() { x.work(ctx) })
	}
	wg.Wait()
	return x.err
}

// fail records err, if it is the first, and stops the workers.
func (x *extraction) fail(err error) {
	x.errOnce.Do(func() { x.err = err })
	x.failed.Store(true)
}

// work extracts the next entry not taken, until none is left or an
// extraction failed.
func (x *extraction) work(ctx context.Context) {
	buf := make([]byte, 256<<10)
	for !x.failed.Load() {
		k := int(x.next.Add(1) - 1)
		if k >= len(x.order) {
			return
		}
		if ctx.Err() != nil {
			x.fail(ctx.Err())
			return
		}
		if err := x.entry(x.order[k], buf); err != nil {
			x.fail(err)
			return
		}
	}
}

// entry writes file i of the zip, or hashes it when it is a directory,
// holding a slot.
func (x *extraction) entry(i int, buf []byte) error {
	zf := x.zfs[i]
	name, isDir := entryName(zf, x.prefix)
	if x.slots != nil {
		x.slots <- struct{}{}
		defer func() { <-x.slots }()
	}
	if isDir {
		return hashEntry(zf, &x.sums[i])
	}
	return extractEntry(zf, filepath.Join(x.dir, filepath.FromSlash(name)), modeFor(name), buf, &x.sums[i], x.b)
}

// createFile creates the new file name for writing. It is a variable so
// that tests can fill the disk.
var createFile = func(name string, perm os.FileMode) (io.WriteCloser, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}

// modeFor returns the mode of a toolchain file: executable under bin/
// and pkg/tool/, the directories cmd/go sets exec bits in.
func modeFor(name string) os.FileMode {
	if strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "pkg/tool/") {
		return 0o755
	}
	return 0o644
}

// extractEntry writes zf to dst, hashing what it writes into sum.
func extractEntry(zf *zip.File, dst string, mode os.FileMode, buf []byte, sum *[sha256.Size]byte, b *bar) error {
	r, err := zf.Open()
	if err != nil {
		return fmt.Errorf("invalid module zip: %s: %w", zf.Name, err)
	}
	defer r.Close()
	w, err := createFile(dst, mode)
	if err != nil {
		return err
	}
	h := sha256.New()
	lr := &io.LimitedReader{R: r, N: int64(zf.UncompressedSize64) + 1}
	_, err = io.CopyBuffer(io.MultiWriter(w, h, progressWriter(b.add)), lr, buf)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return err // "write <dst>: no space left on device"
		}
		return fmt.Errorf("invalid module zip: %s: %w", zf.Name, err)
	}
	if lr.N <= 0 {
		return fmt.Errorf("invalid module zip: %s inflates past its declared size (%d bytes)", zf.Name, zf.UncompressedSize64)
	}
	h.Sum(sum[:0])
	return nil
}

// hashEntry hashes a directory entry's content (none, normally) the way
// dirhash does, which hashes every entry of the zip.
func hashEntry(zf *zip.File, sum *[sha256.Size]byte) error {
	r, err := zf.Open()
	if err != nil {
		return fmt.Errorf("invalid module zip: %s: %w", zf.Name, err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(r, int64(zf.UncompressedSize64)+1)); err != nil {
		return fmt.Errorf("invalid module zip: %s: %w", zf.Name, err)
	}
	h.Sum(sum[:0])
	return nil
}

// hash1 returns the h1: hash of files with the given names and SHA-256
// sums: dirhash.Hash1's summary ("<hex sum>  <name>\n" per file, sorted
// by name, hashed again and base64-encoded).
func hash1(names []string, sums [][sha256.Size]byte) (string, error) {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	h := sha256.New()
	for _, i := range idx {
		if strings.Contains(names[i], "\n") {
			return "", errors.New("invalid module zip: file name with newline")
		}
		fmt.Fprintf(h, "%x  %s\n", sums[i], names[i])
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// restoreGoMod copies every _go.mod in the tree at dir to go.mod beside
// it, as cmd/go does for toolchain modules: a module zip may hold no
// go.mod below its root, so the toolchain zips carry them renamed.
// src/go.mod goes last, as in cmd/go, though here nothing races: dir is
// not in place yet.
func restoreGoMod(dir string, names []string) error {
	slices.SortFunc(names, func(a, b string) int {
		// src/_go.mod sorts last.
		if (a == "src/_go.mod") != (b == "src/_go.mod") {
			if a == "src/_go.mod" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		if path.Base(name) != "_go.mod" {
			continue
		}
		src := filepath.Join(dir, filepath.FromSlash(name))
		dst := filepath.Join(filepath.Dir(src), "go.mod")
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
	}
	return nil
}

// firstZipError names the first problem CheckZip found, and how many more.
func firstZipError(cf modzip.CheckedFiles, err error) string {
	switch {
	case len(cf.Invalid) > 0:
		s := cf.Invalid[0].Path + ": " + cf.Invalid[0].Err.Error()
		if n := len(cf.Invalid) - 1; n > 0 {
			s += fmt.Sprintf(" (and %d more)", n)
		}
		return s
	case cf.SizeError != nil:
		return cf.SizeError.Error()
	}
	return oneLine(err.Error())
}

// A progressWriter counts the bytes written to it.
type progressWriter func(int64)

func (f progressWriter) Write(p []byte) (int, error) {
	f(int64(len(p)))
	return len(p), nil
}
