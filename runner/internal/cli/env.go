package cli

import (
	"io"
	"os"
	"path/filepath"
)

// Env is what every subcommand is handed: its output streams and the
// process environment, so tests can run subcommands in-process.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// IsTTY reports whether Stderr is a terminal (progress bars, colour).
	IsTTY bool
}

// CacheDir returns the root of the runner's cache: $GOMATRIX_CACHE, or
// gomatrix under os.UserCacheDir. Toolchains live in toolchains/, build
// caches in gocache/, built binaries in builds/.
func (e *Env) CacheDir() string {
	if d := e.Getenv("GOMATRIX_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "gomatrix")
	}
	return filepath.Join(os.TempDir(), "gomatrix-cache")
}
