package build

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		out, reason string
		ice         bool
	}{
		{"# internal/abi\n../../../toolchains/go1.17.13/src/internal/abi/abi.go:38:14: internal compiler error: '(*RegArgs).Dump': panic during insert resched checks\n\ngoroutine 1 [running]:\n",
			"$GOROOT/src/internal/abi/abi.go:38:14: internal compiler error: '(*RegArgs).Dump': panic during insert resched checks", true},
		{"go: unknown GOEXPERIMENT nosuch\n", "go: unknown GOEXPERIMENT nosuch", false},
		{"go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n", "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)", false},
		{"# m\n./main.go:3:15: undefined: x\n", "./main.go:3:15: undefined: x", false},
		{"", "go build failed without output", false},
		// go1.13's message goes on on the next, tab-indented line.
		{"# github.com/google/go-cmp/cmp/cmpopts\npackage github.com/google/go-cmp/cmp/cmpopts (test)\n\timports net/netip: cannot find module providing package net/netip\nFAIL\tgithub.com/google/go-cmp/cmp/cmpopts [setup failed]\n",
			"package github.com/google/go-cmp/cmp/cmpopts (test): imports net/netip: cannot find module providing package net/netip", false},
		// Before go1.21 the note comes after the error that says what failed.
		{"# github.com/google/go-cmp/cmp [github.com/google/go-cmp/cmp.test]\ncmp/options.go:236:14: undefined: reflect.PointerTo\nnote: module requires Go 1.21\n",
			"cmp/options.go:236:14: undefined: reflect.PointerTo (note: module requires Go 1.21)", false},
		{"note: module requires Go 1.21\n", "note: module requires Go 1.21", false},
		{"# runtime/cgo\ncgo: C compiler \"nosuch-cc\" not found: exec: \"nosuch-cc\": executable file not found in $PATH\n",
			`cgo: C compiler "nosuch-cc" not found: exec: "nosuch-cc": executable file not found in $PATH`, false},
		// A progress line is never the reason.
		{"go: downloading golang.org/x/sync v0.22.0\ngo: finding module for package x\nmain.go:3:2: no required module provides package x\n",
			"main.go:3:2: no required module provides package x", false},
	}
	for _, tt := range tests {
		reason, ice := classify(tt.out)
		if reason != tt.reason || ice != tt.ice {
			t.Errorf("classify(%q) = %q, %v; want %q, %v", tt.out, reason, ice, tt.reason, tt.ice)
		}
	}
}

func TestBuildReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the machine's Go")
	}
	tc, err := toolchain.Local(context.Background())
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), "hello")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	c, err := matrix.LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	cache := os.Getenv("GOMATRIX_CACHE")
	if cache == "" {
		cache = t.TempDir()
	}
	b := &Builder{CacheDir: filepath.Join(cache, "build-reuse-test")}
	defer os.RemoveAll(b.CacheDir)
	req := Request{Case: c, Toolchain: tc, Timeout: 10 * time.Minute}
	first, err := b.Build(context.Background(), req, 0)
	if err != nil || first.Binary == "" || first.Cached {
		t.Fatalf("first build: %+v, %v", first, err)
	}
	second, err := b.Build(context.Background(), req, 0)
	if err != nil || !second.Cached || second.Binary != first.Binary || second.GoLine != first.GoLine {
		t.Fatalf("second build: %+v, %v", second, err)
	}
	// Editing the case makes a new key: built again.
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println() }\n"), 0o644)
	if c, err = matrix.LoadCase(dir); err != nil {
		t.Fatal(err)
	}
	req.Case = c
	third, err := b.Build(context.Background(), req, 0)
	if err != nil || third.Cached || third.Binary == first.Binary {
		t.Fatalf("build after an edit: %+v, %v", third, err)
	}
}
