package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb"
)

// A checksumDB looks up the h1: hashes of toolchain zips in the checksum
// database, through GOPROXY's /sumdb/ endpoint where a proxy serves it
// (as cmd/go does) and directly otherwise. It implements sumdb.ClientOps
// for golang.org/x/mod/sumdb's Client, which verifies the signed tree
// and the inclusion proofs; this type only moves bytes. Tiles, lookups
// and the latest signed tree are kept under $CacheDir/sumdb, so a tree
// seen once can only move forward: a database that forks its history
// is a security error.
type checksumDB struct {
	m      *Manager
	db     *SumDB
	ctx    context.Context
	client *sumdb.Client

	baseOnce sync.Once
	base     string // URL that /lookup/… and /tile/… are appended to
	baseErr  error

	mu       sync.Mutex
	security []string // messages from SecurityError
}

func (m *Manager) newChecksumDB(ctx context.Context) *checksumDB {
	c := &checksumDB{m: m, db: m.SumDB, ctx: ctx}
	c.client = sumdb.NewClient(c)
	return c
}

// lookup returns the h1: hash the database holds for module path@vers.
func (c *checksumDB) lookup(path, vers string) (string, error) {
	lines, err := c.client.Lookup(path, vers)
	c.mu.Lock()
	sec := c.security
	c.mu.Unlock()
	if len(sec) > 0 {
		return "", fmt.Errorf("checksum database %s: SECURITY ERROR: %s", c.db.Name, oneLine(sec[0]))
	}
	if err != nil {
		return "", fmt.Errorf("checksum database %s: %w", c.db.Name, unwrapURLError(err))
	}
	prefix := path + " " + vers + " "
	for _, line := range lines {
		if h, ok := strings.CutPrefix(line, prefix); ok && strings.HasPrefix(h, "h1:") {
			return strings.TrimSpace(h), nil
		}
	}
	return "", fmt.Errorf("checksum database %s: no h1: hash for %s@%s", c.db.Name, path, vers)
}

// remoteBase picks where the database is read: the first GOPROXY entry
// that answers 200 to /sumdb/<name>/supported, following the same
// fallback rules as downloads, or else the database's own URL.
func (c *checksumDB) remoteBase() (string, error) {
	c.baseOnce.Do(func() {
		if c.m.Offline {
			c.baseErr = errOffline
			return
		}
		p, err := c.m.viaProxies(func(p Proxy) error {
			_, err := c.m.getBytes(c.ctx, p.URL+"/sumdb/"+c.db.Name+"/supported", 1<<10)
			return err
		})
		switch {
		case err == nil:
			c.base = p.URL + "/sumdb/" + c.db.Name
		case isNotFound(err) || p.URL == "off" || p.URL == "":
			// No proxy serves it (or GOPROXY has none): go direct.
			c.base = c.db.URL
		default:
			c.baseErr = err
		}
	})
	return c.base, c.baseErr
}

// ReadRemote implements sumdb.ClientOps.
func (c *checksumDB) ReadRemote(path string) ([]byte, error) {
	base, err := c.remoteBase()
	if err != nil {
		return nil, err
	}
	return c.m.getBytes(c.ctx, base+path, 16<<20)
}

// ReadConfig implements sumdb.ClientOps: "key" is the database's key;
// "<name>/latest" is the newest signed tree seen, empty at first.
func (c *checksumDB) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(c.db.Key), nil
	}
	data, err := os.ReadFile(c.configPath(file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// WriteConfig implements sumdb.ClientOps: a compare-and-swap of the
// latest signed tree, under a file lock since other runners share it.
func (c *checksumDB) WriteConfig(file string, old, new []byte) error {
	if file == "key" {
		return errors.New("cannot write key")
	}
	p := c.configPath(file)
	release, err := lockFile(c.ctx, p+".lock", nil)
	if err != nil {
		return err
	}
	defer release()
	cur, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if !bytes.Equal(cur, old) {
		return sumdb.ErrWriteConflict
	}
	return writeFileAtomic(p, new)
}

// ReadCache implements sumdb.ClientOps.
func (c *checksumDB) ReadCache(file string) ([]byte, error) {
	return os.ReadFile(c.cachePath(file))
}

// WriteCache implements sumdb.ClientOps. A failure only costs a later
// re-fetch, so it is ignored.
func (c *checksumDB) WriteCache(file string, data []byte) {
	writeFileAtomic(c.cachePath(file), data)
}

// Log implements sumdb.ClientOps; the client's log lines are not needed.
func (c *checksumDB) Log(msg string) {}

// SecurityError implements sumdb.ClientOps: it records msg, which lookup
// turns into the fetch's error (the client also returns sumdb.ErrSecurity).
func (c *checksumDB) SecurityError(msg string) {
	c.mu.Lock()
	c.security = append(c.security, msg)
	c.mu.Unlock()
}

func (c *checksumDB) configPath(file string) string {
	return filepath.Join(c.m.CacheDir, "sumdb", filepath.FromSlash(file))
}

func (c *checksumDB) cachePath(file string) string {
	return filepath.Join(c.m.CacheDir, "sumdb", "cache", filepath.FromSlash(file))
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so readers see the old content or the new, never part.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
