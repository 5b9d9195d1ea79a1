package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// A Cache keeps the results of cells by a key over everything that can
// change a result (see scheduler.CacheKey), so that a run after adding one
// version runs only the new cells.
type Cache struct {
	Dir string
}

func (c *Cache) path(key string) string {
	return filepath.Join(c.Dir, key[:2], key+".json")
}

// Get returns the cached result for key, if any.
func (c *Cache) Get(key string) (*Cell, bool) {
	if c == nil || len(key) < 2 {
		return nil, false
	}
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	var cell Cell
	if err := json.Unmarshal(data, &cell); err != nil || cell.Outcome == "" {
		return nil, false // a damaged entry is a miss
	}
	return &cell, true
}

// Put stores the result for key, atomically.
func (c *Cache) Put(key string, cell *Cell) error {
	if c == nil || len(key) < 2 {
		return nil
	}
	data, err := json.Marshal(cell)
	if err != nil {
		return err
	}
	return WriteFile(c.path(key), data)
}

var (
	selfOnce sync.Once
	selfID   string
)

// RunnerID identifies the running runner's code: a hash of its own
// executable. Result cache keys include it, so results computed by other
// code are never reused.
func RunnerID() string {
	selfOnce.Do(func() {
		selfID = "unknown"
		exe, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(exe)
		if err != nil {
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		selfID = hex.EncodeToString(h.Sum(nil))[:16]
	})
	return selfID
}
