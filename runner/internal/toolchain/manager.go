package toolchain

// PLACEHOLDER: to be replaced entirely by the fetching implementation.
// It resolves only "local" and absolute GOROOT paths.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// A Manager resolves `versions` selectors to toolchains and installs them.
type Manager struct {
	CacheDir string
	Progress io.Writer
	IsTTY    bool
}

// NewManager returns a Manager caching under cacheDir and configured from
// the environment read by getenv (GOPROXY, GOSUMDB, ...).
func NewManager(cacheDir string, getenv func(string) string) (*Manager, error) {
	return &Manager{CacheDir: cacheDir}, nil
}

// Resolve expands selectors to toolchains, without downloading anything.
func (m *Manager) Resolve(ctx context.Context, selectors []string) ([]Toolchain, error) {
	var out []Toolchain
	for _, s := range selectors {
		switch {
		case s == "local":
			t, err := Local(ctx)
			if err != nil {
				t = Toolchain{Selector: s, Error: err.Error()}
			}
			out = append(out, t)
		case filepath.IsAbs(s):
			t, err := FromGOROOT(s)
			if err != nil {
				t.Error = err.Error()
			}
			out = append(out, t)
		default:
			out = append(out, Toolchain{Selector: s, Error: fmt.Sprintf("toolchain %s: release selectors are not supported yet", s)})
		}
	}
	return out, nil
}

// Ensure installs every resolved toolchain that has no GOROOT yet.
func (m *Manager) Ensure(ctx context.Context, tcs []Toolchain) []Toolchain { return tcs }
