package toolchain_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

func TestHashMatchesDirhash(t *testing.T) {
	mod := host.Module("go1.13.15")
	files := host.Tree("go1.13.15")
	data := toolchaintest.ModuleZip(t, mod, files)
	zipPath := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(zipPath, data, 0o666)
	want, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	got, names, err := toolchain.UnzipModule(context.Background(), zipPath, filepath.Join(t.TempDir(), "out"), mod, 3, make(chan struct{}, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("unzipModule hash = %s, dirhash.HashZip = %s", got, want)
	}
	if len(names) != len(files) {
		t.Errorf("unzipModule wrote %d files, want %d", len(names), len(files))
	}
}

func TestUnzipRejects(t *testing.T) {
	mod := host.Module("go1.13.15")
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"escape", map[string]string{"../evil": "x"}, "invalid module zip"},
		{"nested go.mod", map[string]string{"src/go.mod": "module std\n"}, "go.mod file not in module root"},
		{"collision", map[string]string{"a.go": "x", "A.go": "y"}, "case-insensitive file name collision"},
	}
	for _, tt := range tests {
		zipPath := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(zipPath, toolchaintest.ModuleZip(t, mod, tt.files), 0o666)
		_, _, err := toolchain.UnzipModule(context.Background(), zipPath, filepath.Join(t.TempDir(), "out"), mod, 2, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
