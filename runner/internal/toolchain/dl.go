package toolchain

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// fetchDL downloads v's release archive the way golang.org/dl does:
// <DLBase><v>.<goos>-<goarch>.tar.gz (.zip on windows), checked against
// the hex SHA-256 in the file of the same name plus ".sha256". A tar.gz
// is unpacked while it downloads, hashing the same bytes, so it is read
// once; the tree stays in tmp, unused, unless the hash matches.
func (m *Manager) fetchDL(ctx context.Context, v, tmp string, prog *progress) (fetchResult, error) {
	res := fetchResult{marker: marker{Version: v, Source: SourceDL}}
	ext := ".tar.gz"
	if m.GOOS == "windows" {
		ext = ".zip"
	}
	url := m.DLBase + v + "." + m.GOOS + "-" + m.GOARCH + ext
	host := hostOf(m.DLBase)
	res.marker.URL = url
	res.marker.Verified = v + "." + m.GOOS + "-" + m.GOARCH + ext + ".sha256"

	data, err := m.getBytes(ctx, url+".sha256", 4<<10)
	if err != nil {
		return res, fmt.Errorf("%s: %w", host, err)
	}
	want, err := parseSHA256(data)
	if err != nil {
		return res, fmt.Errorf("%s: %s.sha256: %w", host, filepath.Base(url), err)
	}
	resp, err := m.get(ctx, url)
	if err != nil {
		return res, fmt.Errorf("%s: %w", host, err)
	}
	defer resp.Body.Close()
	b := prog.start(v, host, resp.ContentLength)
	h := sha256.New()
	if ext == ".zip" {
		err = m.dlZip(resp.Body, resp.ContentLength, h, b, v, tmp, &res)
	} else {
		err = dlTarGz(resp.Body, resp.ContentLength, h, b, tmp, &res)
	}
	got := hex.EncodeToString(h.Sum(nil))
	// A tampered archive may also fail to unpack: the checksum is the
	// truer report, so it wins when both fail.
	if got != want && (err == nil || res.size == resp.ContentLength) {
		err = &checksumError{got: "sha256:" + got, want: "sha256:" + want, authority: filepath.Base(url) + ".sha256"}
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", host, err)
	}
	res.marker.Hash = "sha256:" + got
	b.end(res.size, err)
	return res, err
}

// dlTarGz unpacks a .tar.gz stream into dir while hashing every byte of
// it, then reads and hashes whatever follows the tar's end.
func dlTarGz(body io.Reader, size int64, h hash.Hash, b *bar, dir string, res *fetchResult) error {
	cr := &countReader{r: body}
	tee := io.TeeReader(cr, io.MultiWriter(h, progressWriter(b.add)))
	err := untarGz(tee, dir)
	// Hash the rest (gzip padding, or the remainder after an error).
	if _, cerr := io.Copy(io.Discard, tee); err == nil && cerr != nil {
		err = fmt.Errorf("read body: %w", unwrapURLError(cerr))
	}
	res.size = cr.n
	if err == nil && size >= 0 && cr.n != size {
		err = fmt.Errorf("truncated download: %d of %d bytes", cr.n, size)
	}
	return err
}

// untarGz unpacks a Go release .tar.gz, whose entries are all under go/,
// into dir (go/bin/go becomes dir/bin/go).
func untarGz(r io.Reader, dir string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("damaged archive: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("damaged archive: %w", err)
		}
		rel, ok := releasePath(hdr.Name)
		if !ok {
			return fmt.Errorf("damaged archive: unexpected entry %q", hdr.Name)
		}
		if rel == "" {
			continue
		}
		dst := filepath.Join(dir, rel)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o777); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(dst, tr, hdr.FileInfo().Mode().Perm()|0o600, hdr.Size); err != nil {
				return err
			}
		default:
			// Release archives hold only files and directories.
		}
	}
}

// dlZip downloads a Go release .zip (windows) to $CacheDir/downloads,
// hashing it on the way, and unpacks it into dir if the hash is right.
func (m *Manager) dlZip(body io.Reader, size int64, h hash.Hash, b *bar, v, dir string, res *fetchResult) error {
	if err := os.MkdirAll(m.downloadsDir(), 0o777); err != nil {
		return err
	}
	zipPath := filepath.Join(m.downloadsDir(), v+"-dl-"+randomSuffix()+".zip")
	defer os.Remove(zipPath)
	f, err := createFile(zipPath, 0o644)
	if err != nil {
		return err
	}
	n, err := io.CopyBuffer(io.MultiWriter(f, h, progressWriter(b.add)), body, make([]byte, 1<<20))
	res.size = n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("truncated download: %d of %d bytes", n, size)
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("damaged archive: %w", err)
	}
	defer z.Close()
	for _, zf := range z.File {
		rel, ok := releasePath(zf.Name)
		if !ok {
			return fmt.Errorf("damaged archive: unexpected entry %q", zf.Name)
		}
		if rel == "" || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return fmt.Errorf("damaged archive: %w", err)
		}
		err = writeFile(filepath.Join(dir, rel), r, zf.Mode().Perm()|0o600, int64(zf.UncompressedSize64))
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// releasePath maps an archive entry "go/bin/go" to "bin/go" (in the OS's
// form), refusing names outside go/ or that would escape it.
func releasePath(name string) (string, bool) {
	rel, ok := strings.CutPrefix(name, "go/")
	if !ok {
		return "", name == "go" || name == "go/"
	}
	rel = strings.TrimSuffix(rel, "/")
	if rel == "" {
		return "", true
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", false
	}
	return filepath.FromSlash(rel), true
}

// writeFile writes the size bytes of r to a new file dst.
func writeFile(dst string, r io.Reader, mode os.FileMode, size int64) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return err
	}
	f, err := createFile(dst, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("damaged archive: %s: %d bytes, want %d", dst, n, size)
	}
	if err != nil {
		if pe := (*os.PathError)(nil); !errors.As(err, &pe) && !strings.HasPrefix(err.Error(), "damaged") {
			err = fmt.Errorf("damaged archive: %w", err)
		}
	}
	return err
}

// parseSHA256 reads a .sha256 file: a hex digest, maybe followed by a
// file name as sha256sum prints it.
func parseSHA256(data []byte) (string, error) {
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return "", errors.New("empty")
	}
	d := strings.ToLower(f[0])
	if len(d) != 64 {
		return "", fmt.Errorf("not a SHA-256 digest: %q", f[0])
	}
	if _, err := hex.DecodeString(d); err != nil {
		return "", fmt.Errorf("not a SHA-256 digest: %q", f[0])
	}
	return d, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
