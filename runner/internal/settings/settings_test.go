package settings

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestInertGOEXPERIMENT(t *testing.T) {
	tests := []struct {
		version, requested, recorded string
		inert                        bool
	}{
		{"go1.13.15", "", "", false},
		{"go1.13.15", "preemptibleloops", "", true},
		{"go1.16.15", "preemptibleloops", "", true},
		{"go1.13.15", "preemptibleloops", "framepointer,preemptibleloops", false}, // a rebuilt toolchain
		{"go1.17.13", "preemptibleloops", "preemptibleloops", false},
		{"go1.26.8", "preemptibleloops", "preemptibleloops", false},
		{"go1.26.8", "preemptibleloops", "", true},
		{"go1.26.8", "preemptibleloops,fieldtrack", "preemptibleloops", true},
	}
	for _, tt := range tests {
		got := InertGOEXPERIMENT(tt.version, tt.requested, tt.recorded)
		if (got != "") != tt.inert {
			t.Errorf("InertGOEXPERIMENT(%q, %q, %q) = %q, want inert=%v", tt.version, tt.requested, tt.recorded, got, tt.inert)
		}
	}
}

func fakeGOROOT(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(src), 0o644)
	}
	return dir
}

func TestGODEBUGKeysLocal(t *testing.T) {
	keys, err := GODEBUGKeys(runtime.GOROOT())
	if err != nil {
		t.Skipf("no sources in GOROOT: %v", err)
	}
	for _, k := range []string{"asyncpreemptoff", "panicnil", "gctrace"} {
		if !keys[k] {
			t.Errorf("%s missing from the local toolchain's keys", k)
		}
	}
	if _, err := GODEBUGKeys(t.TempDir()); err == nil {
		t.Error("no error for a GOROOT without sources")
	}
}
