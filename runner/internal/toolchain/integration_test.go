package toolchain

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIntegrationRealProxy fetches the real go1.13.15 through the real
// module proxy (GOPROXY from the environment, default proxy.golang.org),
// verifies it against the real checksum database (GOSUMDB, default
// sum.golang.org), and builds and runs a hello world with it. It downloads
// about 120 MB, so it runs only with GOMATRIX_INTEGRATION=1.
func TestIntegrationRealProxy(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to fetch go1.13.15 from the real module proxy (about 120 MB)")
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		t.Skipf("no go1.13.15 for %s", runtime.GOOS)
	}
	if os.Getenv("GOSUMDB") == "off" {
		t.Fatal("GOSUMDB=off: this test must verify against the checksum database")
	}
	cache := t.TempDir()
	m, err := NewManager(cache, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	m.Sources = []string{SourceProxy}
	m.Progress = testWriter{t}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	start := time.Now()
	tcs, err := m.Resolve(ctx, []string{"1.13"})
	if err != nil || len(tcs) != 1 || tcs[0].Version != "go1.13.15" {
		t.Fatalf("Resolve(1.13) = %+v, %v", tcs, err)
	}
	tc := m.Ensure(ctx, tcs)[0]
	fetched := time.Since(start)
	if tc.Error != "" {
		t.Fatal(tc.Error)
	}
	mk, err := readMarker(tc.GOROOT)
	if err != nil || mk.Verified != m.SumDB.Name || !strings.HasPrefix(mk.Hash, "h1:") {
		t.Fatalf("marker %+v, %v", mk, err)
	}
	t.Logf("fetched %s (%s, verified by %s) in %.1f s", tc.Version, mk.Hash, mk.Verified, fetched.Seconds())

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.13\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Println("hello from", runtime.Version()) }
`), 0o644)
	start = time.Now()
	exe := filepath.Join(dir, "hello"+exeSuffix())
	build := exec.CommandContext(ctx, tc.Go(), "build", "-o", exe, ".")
	build.Dir, build.Env = dir, Env(tc, cache, nil)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, exe)
	run.Env = Env(tc, cache, nil)
	out, err := run.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello from go1.13.15" {
		t.Fatalf("hello: %q, %v", out, err)
	}
	t.Logf("built and ran hello world with %s in %.1f s: %s", tc.Version, time.Since(start).Seconds(), strings.TrimSpace(string(out)))

	// A second Resolve finds it installed; a second Ensure is instant.
	start = time.Now()
	tcs, _ = m.Resolve(ctx, []string{"1.13"})
	tcs = m.Ensure(ctx, tcs)
	if tcs[0].Source != "cache" || time.Since(start) > time.Second {
		t.Errorf("warm: %+v in %v", tcs[0], time.Since(start))
	}
}

// A testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
