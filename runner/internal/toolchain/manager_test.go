package toolchain_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

// host is the fake toolchains of this platform, as the proxies and dl
// servers of these tests serve them.
var host toolchaintest.Fake

// newTestManager returns a Manager on a fresh cache using p (if not nil)
// and d (if not nil) as its only sources.
func newTestManager(t testing.TB, p *toolchaintest.Proxy, d *toolchaintest.DL) *toolchain.Manager {
	t.Helper()
	m, err := toolchain.NewManager(t.TempDir(), func(k string) string {
		if k == "HOME" {
			return filepath.Join(os.TempDir(), "gomatrix-test-no-home")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Sources = []string{toolchain.SourceInstalled}
	m.DLIndex = ""
	m.SDKDir = t.TempDir()
	if p != nil {
		m.Proxies = []toolchain.Proxy{{URL: p.URL}}
		m.SumDB = p.SumDB
		m.Sources = append(m.Sources, toolchain.SourceProxy)
	}
	if d != nil {
		m.DLBase = d.URL + "/"
		m.DLIndex = d.URL + "/index"
		m.Sources = append(m.Sources, toolchain.SourceDL)
	}
	return m
}

// assertClean fails if anything but whole toolchains is left in the cache:
// temporary directories, directories without a marker, downloads.
func assertClean(t testing.TB, m *toolchain.Manager) {
	t.Helper()
	entries, _ := os.ReadDir(m.ToolchainsDir())
	for _, e := range entries {
		if !toolchain.IsInstalled(filepath.Join(m.ToolchainsDir(), e.Name())) {
			t.Errorf("left in toolchains/: %s", e.Name())
		}
	}
	dls, _ := os.ReadDir(m.DownloadsDir())
	for _, e := range dls {
		t.Errorf("left in downloads/: %s", e.Name())
	}
}

// checkInstalled fails unless t is a whole, runnable fake toolchain v.
func checkInstalled(tb testing.TB, m *toolchain.Manager, tc toolchain.Toolchain, v, source string) {
	tb.Helper()
	if tc.Error != "" {
		tb.Fatalf("%s: %s", v, tc.Error)
	}
	if tc.Version != v || tc.Source != source || tc.GOROOT != filepath.Join(m.ToolchainsDir(), v) {
		tb.Fatalf("got %+v, want %s from %s in the cache", tc, v, source)
	}
	if !toolchain.IsInstalled(tc.GOROOT) {
		tb.Fatalf("%s: no marker", tc.GOROOT)
	}
	if source == toolchain.SourceProxy {
		// _go.mod restored beside itself, as cmd/go does.
		for _, f := range []string{"src/go.mod", "src/_go.mod", "src/cmd/go.mod"} {
			if _, err := os.Stat(filepath.Join(tc.GOROOT, f)); err != nil {
				tb.Errorf("%s: %v", f, err)
			}
		}
	}
	if runtime.GOOS == "windows" {
		return
	}
	for _, f := range []string{"bin/go", "bin/gofmt", "pkg/tool/" + runtime.GOOS + "_" + runtime.GOARCH + "/compile"} {
		info, err := os.Stat(filepath.Join(tc.GOROOT, f))
		if err != nil || info.Mode()&0o111 == 0 {
			tb.Errorf("%s: not executable (%v)", f, err)
		}
	}
	if info, err := os.Stat(filepath.Join(tc.GOROOT, "VERSION")); err != nil || info.Mode()&0o111 != 0 {
		tb.Errorf("VERSION: mode %v, %v", info.Mode(), err)
	}
	cmd := exec.Command(tc.Go(), "version")
	cmd.Env = toolchain.Env(tc, m.CacheDir, nil)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "go version "+v+" ") {
		tb.Errorf("go version: %q, %v", out, err)
	}
	cmd = exec.Command(tc.Go(), "env", "GOROOT")
	cmd.Env = toolchain.Env(tc, m.CacheDir, nil)
	out, _ = cmd.Output()
	if got, _ := filepath.EvalSymlinks(strings.TrimSpace(string(out))); got != mustEval(tb, tc.GOROOT) {
		tb.Errorf("go env GOROOT = %q, want %s", out, tc.GOROOT)
	}
}

func mustEval(tb testing.TB, p string) string {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestResolveAndEnsureFromProxy(t *testing.T) {
	p := toolchaintest.NewProxy(t, "go1.13.1", "go1.13.15", "go1.14.15", "go1.16.15", "go1.26rc1")
	m := newTestManager(t, p, nil)
	var log bytes.Buffer
	m.Progress = &log
	ctx := context.Background()

	tcs, err := m.Resolve(ctx, []string{"1.13", ">=1.13 <1.17", "1.14.15", "1.99", "1.26rc1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tc := range tcs {
		got = append(got, tc.Selector+"="+tc.Version)
		if tc.GOROOT != "" || (tc.Error == "") != (tc.Version != "") {
			t.Errorf("resolved %+v", tc)
		}
	}
	// First selector wins a version; ranges ascend; 1.14.15 was taken.
	want := "1.13=go1.13.15 >=1.13 <1.17=go1.14.15 >=1.13 <1.17=go1.16.15 1.99= 1.26rc1=go1.26rc1"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("Resolve = %s\nwant      %s", s, want)
	}
	bad := tcs[3]
	if !strings.Contains(bad.Error, "version 1.99: no go1.99 release in the list from 127.0.0.1") ||
		!strings.Contains(bad.Error, "\nhint: the releases listed run from go1.13.1 to go1.16.15") {
		t.Errorf("1.99: error %q", bad.Error)
	}

	tcs = m.Ensure(ctx, tcs)
	checkInstalled(t, m, tcs[0], "go1.13.15", toolchain.SourceProxy)
	checkInstalled(t, m, tcs[1], "go1.14.15", toolchain.SourceProxy)
	checkInstalled(t, m, tcs[2], "go1.16.15", toolchain.SourceProxy)
	checkInstalled(t, m, tcs[4], "go1.26rc1", toolchain.SourceProxy)
	if tcs[3].GOROOT != "" || tcs[3].Error != bad.Error {
		t.Errorf("Ensure changed the unresolved entry: %+v", tcs[3])
	}
	assertClean(t, m)

	// The marker records what vouched for the tree.
	mk, err := toolchain.ReadMarker(tcs[0].GOROOT)
	if err != nil || mk.Verified != "sum.fake" || !strings.HasPrefix(mk.Hash, "h1:") || mk.Source != "proxy" {
		t.Errorf("marker: %+v, %v", mk, err)
	}
	// Progress: one line at the start and one at the end of each fetch.
	if n := strings.Count(log.String(), ": downloading "); n != 4 {
		t.Errorf("%d start lines in progress log:\n%s", n, log.String())
	}
	if n := strings.Count(log.String(), ": done from 127.0.0.1"); n != 4 {
		t.Errorf("%d end lines in progress log:\n%s", n, log.String())
	}

	// Now installed: Resolve says so, and Ensure fetches nothing more.
	before := p.Count(p.ZipPath("go1.13.15"))
	again, _ := m.Resolve(ctx, []string{"1.13.15"})
	if again[0].Source != "cache" || again[0].GOROOT != tcs[0].GOROOT {
		t.Errorf("after install, Resolve = %+v", again[0])
	}
	m.Ensure(ctx, []toolchain.Toolchain{{Selector: "x", Version: "go1.13.15"}})
	if p.Count(p.ZipPath("go1.13.15")) != before {
		t.Error("Ensure fetched an installed toolchain again")
	}
	// The list was fetched once: the cache served the second Resolve.
	if n := p.Count("/golang.org/toolchain/@v/list"); n != 1 {
		t.Errorf("list fetched %d times, want 1", n)
	}
}

// TestProxyFaults covers each way a fetch from the proxy fails: every one
// is a single line naming the version and the proxy, with a hint, and
// leaves nothing half-installed; and the fallbacks GOPROXY allows.
func TestProxyFaults(t *testing.T) {
	const v = "go1.13.15"
	tests := []struct {
		name    string
		setup   func(t *testing.T, p, p2 *toolchaintest.Proxy, m *toolchain.Manager)
		wantErr string // substring of the error line; "" for success
		hint    string
	}{
		{
			name:    "404",
			setup:   func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) { p.SetStatus(p.ZipPath(v), 404) },
			wantErr: "fetch go1.13.15: proxy: 127.0.0.1:", hint: "does not serve go1.13.15",
		},
		{
			name:    "410",
			setup:   func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) { p.SetStatus(p.ZipPath(v), 410) },
			wantErr: "410 Gone", hint: "does not serve go1.13.15",
		},
		{
			name: "500 stops at a comma",
			setup: func(t *testing.T, p, p2 *toolchaintest.Proxy, m *toolchain.Manager) {
				p.SetStatus(p.ZipPath(v), 500)
				m.Proxies = []toolchain.Proxy{{URL: p.URL}, {URL: p2.URL}}
			},
			wantErr: "500 Internal Server Error", hint: `fallback proxy with "|"`,
		},
		{
			name: "500 falls through a pipe",
			setup: func(t *testing.T, p, p2 *toolchaintest.Proxy, m *toolchain.Manager) {
				p.SetStatus(p.ZipPath(v), 500)
				m.Proxies = []toolchain.Proxy{{URL: p.URL, AnyError: true}, {URL: p2.URL}}
			},
		},
		{
			name: "404 falls through a comma",
			setup: func(t *testing.T, p, p2 *toolchaintest.Proxy, m *toolchain.Manager) {
				p.SetStatus(p.ZipPath(v), 404)
				m.Proxies = []toolchain.Proxy{{URL: p.URL}, {URL: p2.URL}}
			},
		},
		{
			name:    "connection cut mid-body",
			setup:   func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) { p.CutAfter(p.ZipPath(v), 500) },
			wantErr: "unexpected EOF", hint: "damaged or truncated",
		},
		{
			name: "truncated zip served whole",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				good := p.Zip(v)
				p.Tamper(v, good[:len(good)*2/3])
			},
			wantErr: "invalid module zip", hint: "damaged or truncated",
		},
		{
			name: "tampered zip",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				files := host.Tree(v)
				files["bin/go"] = "#!/bin/sh\necho pwned\n"
				p.Tamper(v, toolchaintest.ModuleZip(t, host.Module(v), files))
			},
			wantErr: "checksum mismatch: downloaded h1:", hint: "SECURITY",
		},
		{
			name: "checksum database down",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				p.SetStatus("/sumdb/sum.fake/lookup/"+host.Module(v).String(), 500)
			},
			wantErr: "checksum database sum.fake:",
		},
		{
			name: "GOSUMDB=off skips verification",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				p.Vouch(v, []byte("not the zip"))
				m.SumDB = nil
			},
		},
		{
			name: "GONOSUMDB skips verification",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				p.Vouch(v, []byte("not the zip"))
				m.NoSumDB = "golang.org/toolchain"
			},
		},
		{
			name: "GOPROXY=off",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				m.Proxies = []toolchain.Proxy{{URL: "off"}}
			},
			wantErr: "disabled by GOPROXY=off", hint: "GOPROXY=https://proxy.golang.org",
		},
		{
			name: "proxy unreachable",
			setup: func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) {
				dead := toolchaintest.NewProxy(t)
				dead.Close()
				m.Proxies = []toolchain.Proxy{{URL: dead.URL}}
			},
			wantErr: "connect: connection refused", hint: "check the network",
		},
		{
			name:    "offline",
			setup:   func(t *testing.T, p, _ *toolchaintest.Proxy, m *toolchain.Manager) { m.Offline = true },
			wantErr: "fetch go1.13.15: not installed, and offline", hint: "GOMATRIX_OFFLINE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := toolchaintest.NewProxy(t, v)
			p2 := toolchaintest.NewProxy(t, v)
			p2.UseSumDB(p) // one checksum database behind both proxies
			m := newTestManager(t, p, nil)
			var log bytes.Buffer
			m.Progress = &log
			tt.setup(t, p, p2, m)
			tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Selector: "1.13", Version: v}})
			if tt.wantErr == "" {
				checkInstalled(t, m, tcs[0], v, toolchain.SourceProxy)
				assertClean(t, m)
				if m.SumDB == nil || m.NoSumDB != "" {
					if !strings.Contains(log.String(), "WARNING") || !strings.Contains(log.String(), "not verified") {
						t.Errorf("no loud note that verification was skipped:\n%s", log.String())
					}
				}
				return
			}
			e := tcs[0].Error
			line, hint, _ := strings.Cut(e, "\nhint: ")
			if !strings.Contains(line, tt.wantErr) || !strings.Contains(line, v) || strings.Contains(hint, "\n") {
				t.Errorf("error %q, want one line with %q naming %s", e, tt.wantErr, v)
			}
			if !strings.Contains(hint, tt.hint) {
				t.Errorf("hint %q, want %q", hint, tt.hint)
			}
			if tcs[0].GOROOT != "" {
				t.Errorf("failed fetch has GOROOT %s", tcs[0].GOROOT)
			}
			assertClean(t, m)
			if _, err := os.Stat(filepath.Join(m.ToolchainsDir(), v)); err == nil {
				t.Errorf("failed fetch left %s", v)
			}
		})
	}
}

// TestProxyCommaDoesNotFallThrough checks the second proxy is not asked
// after a 500 from a ","-separated first.
func TestProxyCommaDoesNotFallThrough(t *testing.T) {
	const v = "go1.14.15"
	p, p2 := toolchaintest.NewProxy(t, v), toolchaintest.NewProxy(t, v)
	p2.UseSumDB(p)
	m := newTestManager(t, p, nil)
	m.Proxies = []toolchain.Proxy{{URL: p.URL}, {URL: p2.URL}}
	p.SetStatus(p.ZipPath(v), 500)
	m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
	if n := p2.Count(p2.ZipPath(v)); n != 0 {
		t.Errorf("second proxy asked %d times after a 500 before a comma", n)
	}
	m.Proxies[0].AnyError = true
	tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
	checkInstalled(t, m, tcs[0], v, toolchain.SourceProxy)
	if n := p2.Count(p2.ZipPath(v)); n != 1 {
		t.Errorf("second proxy asked %d times after a 500 before a pipe, want 1", n)
	}
}

func TestDiskFull(t *testing.T) {
	const v = "go1.13.15"
	p := toolchaintest.NewProxy(t, v)
	m := newTestManager(t, p, nil)
	real := *toolchain.CreateFile
	t.Cleanup(func() { *toolchain.CreateFile = real })
	*toolchain.CreateFile = func(name string, perm os.FileMode) (io.WriteCloser, error) {
		f, err := real(name, perm)
		if err != nil || !strings.HasSuffix(name, "extern.go") {
			return f, err
		}
		return fullFile{f.(*os.File)}, nil
	}
	tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
	line, hint, _ := strings.Cut(tcs[0].Error, "\nhint: ")
	if !strings.Contains(line, "fetch go1.13.15: proxy:") || !strings.Contains(line, toolchain.ErrNoSpace.Error()) ||
		!strings.Contains(hint, "free disk space") {
		t.Errorf("error %q", tcs[0].Error)
	}
	assertClean(t, m)
}

// A fullFile fails every write as a full disk does.
type fullFile struct{ *os.File }

func (f fullFile) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: f.Name(), Err: toolchain.ErrNoSpace}
}

func TestDL(t *testing.T) {
	const v = "go1.13.15"
	d := toolchaintest.NewDL(t, v, "go1.12.17")
	tarName := v + "." + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz"
	if runtime.GOOS == "windows" {
		t.Skip("the fake dl server serves .tar.gz; windows fetches .zip")
	}

	t.Run("success, after a proxy 404", func(t *testing.T) {
		p := toolchaintest.NewProxy(t) // serves nothing
		m := newTestManager(t, p, d)
		tcs, err := m.Resolve(context.Background(), []string{"1.13", "1.12"})
		if err != nil || len(tcs) != 2 || tcs[0].Version != v || tcs[1].Version != "go1.12.17" {
			t.Fatalf("Resolve from the dl index: %+v, %v", tcs, err)
		}
		tcs = m.Ensure(context.Background(), tcs)
		checkInstalled(t, m, tcs[0], v, toolchain.SourceDL)
		checkInstalled(t, m, tcs[1], "go1.12.17", toolchain.SourceDL)
		mk, _ := toolchain.ReadMarker(tcs[0].GOROOT)
		if !strings.HasPrefix(mk.Hash, "sha256:") || !strings.HasSuffix(mk.Verified, ".sha256") {
			t.Errorf("marker %+v", mk)
		}
		assertClean(t, m)
	})
	t.Run("sha256 mismatch", func(t *testing.T) {
		m := newTestManager(t, nil, d)
		good := d.File(tarName + ".sha256")
		sum := sha256.Sum256([]byte("something else"))
		d.SetFile(tarName+".sha256", []byte(hex.EncodeToString(sum[:])+"  "+v+".tar.gz\n"))
		defer d.SetFile(tarName+".sha256", good)
		tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
		line, hint, _ := strings.Cut(tcs[0].Error, "\nhint: ")
		if !strings.Contains(line, "fetch go1.13.15: dl: 127.0.0.1:") || !strings.Contains(line, "checksum mismatch: downloaded sha256") ||
			!strings.Contains(hint, "SECURITY") {
			t.Errorf("error %q", tcs[0].Error)
		}
		assertClean(t, m)
	})
	t.Run("archive tampered", func(t *testing.T) {
		m := newTestManager(t, nil, d)
		good := d.File(tarName)
		d.SetFile(tarName, append(bytes.Clone(good[:len(good)/2]), bytes.Repeat([]byte{0}, len(good)/2)...))
		defer d.SetFile(tarName, good)
		tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
		if !strings.Contains(tcs[0].Error, "checksum mismatch") {
			t.Errorf("error %q", tcs[0].Error)
		}
		assertClean(t, m)
	})
	t.Run("404", func(t *testing.T) {
		m := newTestManager(t, nil, d)
		tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: "go1.11.13"}})
		line, hint, _ := strings.Cut(tcs[0].Error, "\nhint: ")
		if !strings.Contains(line, "fetch go1.11.13: dl: 127.0.0.1:") || !strings.Contains(line, "404") || !strings.Contains(hint, "GOMATRIX_DL_BASE") {
			t.Errorf("error %q", tcs[0].Error)
		}
	})
	t.Run("both sources fail", func(t *testing.T) {
		p := toolchaintest.NewProxy(t)
		m := newTestManager(t, p, d)
		tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: "go1.11.13"}})
		line, _, _ := strings.Cut(tcs[0].Error, "\nhint: ")
		if !strings.Contains(line, "proxy: 127.0.0.1:") || !strings.Contains(line, "; dl: 127.0.0.1:") {
			t.Errorf("error %q, want both sources named", tcs[0].Error)
		}
	})
}

// TestOffline: with the network gone, the cached list (however old) and
// installed toolchains still resolve, with a note; GOMATRIX_OFFLINE makes
// no request at all.
func TestOffline(t *testing.T) {
	p := toolchaintest.NewProxy(t, "go1.13.15", "go1.14.15")
	m := newTestManager(t, p, nil)
	ctx := context.Background()
	tcs, _ := m.Resolve(ctx, []string{"1.13"})
	m.Ensure(ctx, tcs)

	// Two hours later the proxy is gone.
	m.SetNow(func() time.Time { return time.Now().Add(2 * time.Hour) })
	p.Close()
	var log bytes.Buffer
	m.Progress = &log
	tcs, err := m.Resolve(ctx, []string{"1.13", "1.14", "1.99"})
	if err != nil {
		t.Fatal(err)
	}
	if tcs[0].Version != "go1.13.15" || tcs[0].Source != "cache" || tcs[1].Version != "go1.14.15" || tcs[1].GOROOT != "" {
		t.Errorf("offline Resolve = %+v", tcs)
	}
	if !strings.Contains(log.String(), "note: cannot fetch the list of releases") || !strings.Contains(log.String(), "cached 2h0m") {
		t.Errorf("no note about the cached list:\n%s", log.String())
	}
	if !strings.Contains(tcs[2].Error, "(cached 2h0m0s ago)") {
		t.Errorf("error does not say the list is old: %q", tcs[2].Error)
	}

	// GOMATRIX_OFFLINE: no request, even with the proxy back.
	p2 := toolchaintest.NewProxy(t, "go1.13.15", "go1.14.15")
	m.Proxies = []toolchain.Proxy{{URL: p2.URL}}
	m.Offline = true
	log.Reset()
	tcs, _ = m.Resolve(ctx, []string{"1.13", "1.14"})
	tcs = m.Ensure(ctx, tcs)
	if tcs[0].Source != "cache" || !strings.Contains(tcs[1].Error, "offline") {
		t.Errorf("GOMATRIX_OFFLINE: %+v", tcs)
	}
	if !strings.Contains(log.String(), "note: offline (GOMATRIX_OFFLINE is set)") {
		t.Errorf("no offline note:\n%s", log.String())
	}
	if requests := p2.Requests(); len(requests) != 0 {
		t.Errorf("requests while offline: %v", requests)
	}

	// No list cached at all: installed toolchains and exact versions.
	m2 := newTestManager(t, nil, nil)
	m2.Offline = true
	m2.Progress = &log
	tcs, _ = m2.Resolve(ctx, []string{"1.13.15", "1.13"})
	if tcs[0].Version != "go1.13.15" || tcs[0].Error != "" || !strings.Contains(tcs[1].Error, "no go1.13 release in the installed toolchains") {
		t.Errorf("no list: %+v", tcs)
	}
}

// TestConcurrentEnsure: two managers (two runners) in one process want
// the same toolchain: one download, both succeed.
func TestConcurrentEnsure(t *testing.T) {
	const v = "go1.14.15"
	p := toolchaintest.NewProxy(t, v)
	p.SetDelay(200 * time.Millisecond)
	m1 := newTestManager(t, p, nil)
	m2 := newTestManager(t, p, nil)
	m2.CacheDir = m1.CacheDir
	var wg sync.WaitGroup
	results := make([]toolchain.Toolchain, 2)
	for i, m := range []*toolchain.Manager{m1, m2} {
		wg.Go(func() {
			results[i] = m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})[0]
		})
	}
	wg.Wait()
	for _, tc := range results {
		checkInstalled(t, m1, tc, v, tc.Source)
	}
	if n := p.Count(p.ZipPath(v)); n != 1 {
		t.Errorf("zip downloaded %d times, want 1", n)
	}
	if results[0].Source == results[1].Source {
		t.Errorf("sources %q and %q: want one proxy, one cache", results[0].Source, results[1].Source)
	}
}

// TestConcurrentProcesses: two runner processes want the same toolchain:
// one download, both succeed.
func TestConcurrentProcesses(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs sh and processes")
	}
	const v = "go1.16.15"
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: []string{v}})
	p := env.Proxy
	p.SetDelay(300 * time.Millisecond)
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := helperCommand(t, env, v)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper %d: %v\n%s", i, err, outs[i])
		}
	}
	if n := p.Count(p.ZipPath(v)); n != 1 {
		t.Errorf("zip downloaded %d times by two processes, want 1", n)
	}
	both := outs[0].String() + outs[1].String()
	if !strings.Contains(both, "installed "+v+" from proxy") || !strings.Contains(both, "installed "+v+" from cache") {
		t.Errorf("want one helper to fetch and one to find it in the cache:\n%s", both)
	}
}

// TestKilledMidDownload: a runner killed with SIGKILL half-way through a
// download leaves nothing that is used; the next run fetches again.
func TestKilledMidDownload(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs processes and SIGKILL")
	}
	const v = "go1.13.15"
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: []string{v}})
	p := env.Proxy
	release := p.Stall()
	cmd := helperCommand(t, env, v)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until half the zip is on disk.
	deadline := time.Now().Add(10 * time.Second)
	for {
		matches, _ := filepath.Glob(filepath.Join(env.Cache, "downloads", v+"-*"))
		if len(matches) > 0 {
			if info, err := os.Stat(matches[0]); err == nil && info.Size() > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("helper never started downloading:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	release()

	m := newTestManager(t, p, nil)
	m.CacheDir = env.Cache
	if tcs, _ := m.Resolve(context.Background(), []string{v}); tcs[0].GOROOT != "" {
		t.Fatalf("killed download counts as installed: %+v", tcs[0])
	}
	tcs := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})
	checkInstalled(t, m, tcs[0], v, toolchain.SourceProxy)
	assertClean(t, m)
	if n := p.Count(p.ZipPath(v)); n != 2 {
		t.Errorf("zip requested %d times, want 2 (killed, then again)", n)
	}
}

// TestInterruptedInstall: what a killed extraction leaves (a temporary
// directory, a target without its marker, a partial download) is never
// used, and is cleaned up by the next fetch.
func TestInterruptedInstall(t *testing.T) {
	const v = "go1.13.15"
	p := toolchaintest.NewProxy(t, v)
	m := newTestManager(t, p, nil)
	half := filepath.Join(m.ToolchainsDir(), v)
	tmp := filepath.Join(m.ToolchainsDir(), ".tmp-"+v+"-123456")
	partial := filepath.Join(m.DownloadsDir(), v+"-proxy-abcdef.zip")
	for _, dir := range []string{filepath.Join(half, "bin"), filepath.Join(tmp, "bin"), m.DownloadsDir()} {
		os.MkdirAll(dir, 0o777)
	}
	os.WriteFile(filepath.Join(half, "bin", "go"), []byte("#!/bin/sh\necho half\n"), 0o755)
	os.WriteFile(filepath.Join(tmp, "bin", "go"), []byte("#!/bin/sh\necho half\n"), 0o755)
	os.WriteFile(partial, []byte("PK\x03\x04half"), 0o644)

	tcs, _ := m.Resolve(context.Background(), []string{v})
	if tcs[0].GOROOT != "" {
		t.Fatalf("directory without marker counts as installed: %+v", tcs[0])
	}
	if list, _ := m.List(false); len(list) != 0 {
		t.Errorf("List shows %+v", list)
	}
	tcs = m.Ensure(context.Background(), tcs)
	checkInstalled(t, m, tcs[0], v, toolchain.SourceProxy)
	assertClean(t, m)
	for _, f := range []string{tmp, partial} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
}

func TestSDKReuse(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake go is a shell script")
	}
	p := toolchaintest.NewProxy(t, "go1.13.15", "go1.14.15")
	m := newTestManager(t, p, nil)
	for _, v := range []string{"go1.13.15", "go1.14.15"} {
		dir := filepath.Join(m.SDKDir, v, "bin")
		os.MkdirAll(dir, 0o777)
		os.WriteFile(filepath.Join(dir, "go"), []byte(host.Tree(v)["bin/go"]), 0o755)
	}
	// Only go1.13.15 finished unpacking.
	os.WriteFile(filepath.Join(m.SDKDir, "go1.13.15", toolchain.SDKMarker), nil, 0o644)
	tcs, _ := m.Resolve(context.Background(), []string{"1.13", "1.14"})
	if tcs[0].Source != "sdk" || tcs[0].GOROOT != filepath.Join(m.SDKDir, "go1.13.15") {
		t.Errorf("sdk toolchain not reused: %+v", tcs[0])
	}
	if tcs[1].GOROOT != "" {
		t.Errorf("sdk toolchain without %s used: %+v", toolchain.SDKMarker, tcs[1])
	}
	list, _ := m.List(false)
	if len(list) != 1 || list[0].Source != "sdk" {
		t.Errorf("List = %+v", list)
	}
	// Without "installed" among the sources, ~/sdk is not looked at.
	m.Sources = []string{toolchain.SourceProxy}
	tcs, _ = m.Resolve(context.Background(), []string{"1.13"})
	if tcs[0].GOROOT != "" {
		t.Errorf("sdk used without the installed source: %+v", tcs[0])
	}
}

func TestPrune(t *testing.T) {
	p := toolchaintest.NewProxy(t, "go1.13.15", "go1.14.15", "go1.16.15")
	m := newTestManager(t, p, nil)
	ctx := context.Background()
	tcs, _ := m.Resolve(ctx, []string{"all"})
	m.Ensure(ctx, tcs)
	for _, v := range []string{"go1.13.15", "go1.14.15", "go1.16.15"} {
		os.MkdirAll(m.GocacheDir(v), 0o777)
		os.WriteFile(filepath.Join(m.GocacheDir(v), "x"), make([]byte, 1000), 0o644)
	}
	os.MkdirAll(filepath.Join(m.ToolchainsDir(), ".tmp-go1.22.0-999"), 0o777)
	keep := func(v string) bool { return v == "go1.14.15" }

	dry, err := m.Prune(ctx, keep, true)
	if err != nil || len(dry) != 2 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if list, _ := m.List(false); len(list) != 3 {
		t.Fatalf("dry run removed something: %+v", list)
	}
	removed, err := m.Prune(ctx, keep, false)
	if err != nil || len(removed) != 2 || removed[0].Version != "go1.13.15" || removed[1].Version != "go1.16.15" ||
		removed[0].Size == 0 || removed[0].BuildCache != 1000 {
		t.Fatalf("Prune = %+v, %v", removed, err)
	}
	list, _ := m.List(false)
	if len(list) != 1 || list[0].Version != "go1.14.15" {
		t.Errorf("after prune: %+v", list)
	}
	for _, v := range []string{"go1.13.15", "go1.16.15"} {
		if _, err := os.Stat(m.GocacheDir(v)); err == nil {
			t.Errorf("build cache of %s kept", v)
		}
	}
	if _, err := os.Stat(m.GocacheDir("go1.14.15")); err != nil {
		t.Errorf("build cache of kept go1.14.15 removed")
	}
	assertClean(t, m)
	if removed, _ := m.Prune(ctx, func(string) bool { return false }, false); len(removed) != 1 {
		t.Errorf("prune all removed %d", len(removed))
	}
}

// TestDLWindowsZip fetches a windows release, which dl serves as a .zip.
func TestDLWindowsZip(t *testing.T) {
	const v = "go1.13.15"
	files := toolchaintest.Fake{GOOS: "windows", GOARCH: "amd64"}.Tree(v)
	files["bin/go.exe"] = files["bin/go"]
	delete(files, "bin/go")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create("go/" + strings.ReplaceAll(name, "_go.mod", "go.mod"))
		io.WriteString(w, body)
	}
	zw.Close()
	d := toolchaintest.NewDL(t)
	sum := sha256.Sum256(buf.Bytes())
	d.SetFile(v+".windows-amd64.zip", buf.Bytes())
	d.SetFile(v+".windows-amd64.zip.sha256", []byte(hex.EncodeToString(sum[:])))
	m := newTestManager(t, nil, d)
	m.GOOS, m.GOARCH = "windows", "amd64"
	tc := m.Ensure(context.Background(), []toolchain.Toolchain{{Version: v}})[0]
	if tc.Error != "" || tc.Source != toolchain.SourceDL {
		t.Fatalf("windows zip: %+v", tc)
	}
	data, err := os.ReadFile(filepath.Join(tc.GOROOT, "src", "go.mod"))
	if err != nil || string(data) != "module std\n" {
		t.Errorf("src/go.mod: %q, %v", data, err)
	}
	assertClean(t, m)

	// A tampered zip is refused.
	d.SetFile("go1.14.15.windows-amd64.zip", buf.Bytes())
	d.SetFile("go1.14.15.windows-amd64.zip.sha256", []byte(strings.Repeat("ab", 32)+"\n"))
	tc = m.Ensure(context.Background(), []toolchain.Toolchain{{Version: "go1.14.15"}})[0]
	if !strings.Contains(tc.Error, "checksum mismatch: downloaded sha256:") {
		t.Errorf("tampered windows zip: %+v", tc)
	}
	assertClean(t, m)
}

// TestEnsureEach: installed versions are reported first, at once; each
// version once, however many entries name it; a download records its
// size and time, an installed toolchain none.
func TestEnsureEach(t *testing.T) {
	p := toolchaintest.NewProxy(t, "go1.13.15", "go1.14.15", "go1.16.15")
	m := newTestManager(t, p, nil)
	ctx := context.Background()
	m.Ensure(ctx, []toolchain.Toolchain{{Version: "go1.16.15"}})
	var got []toolchain.Toolchain
	m.EnsureEach(ctx, []toolchain.Toolchain{
		{Selector: "a", Version: "go1.13.15"}, {Selector: "b", Version: "go1.16.15"},
		{Selector: "c", Version: "go1.13.15"}, {Selector: "d", Version: "go1.14.15"}, {Selector: "e", Error: "unresolved"},
	}, func(tc toolchain.Toolchain) { got = append(got, tc) })
	var order []string
	for _, tc := range got {
		order = append(order, tc.Selector+"="+tc.Version)
		checkInstalled(t, m, tc, tc.Version, tc.Source)
		switch {
		case tc.Source == "cache" && tc.Fetch != nil:
			t.Errorf("%s: installed already, yet Fetch = %+v", tc.Version, *tc.Fetch)
		case tc.Source == toolchain.SourceProxy && (tc.Fetch == nil || tc.Fetch.Bytes <= 0 || tc.Fetch.MS <= 0):
			t.Errorf("%s: downloaded, yet Fetch = %+v", tc.Version, tc.Fetch)
		}
	}
	// Installed first; then the downloads as they end (two at once).
	if len(order) != 3 || order[0] != "b=go1.16.15" || !slices.Contains(order, "a=go1.13.15") || !slices.Contains(order, "d=go1.14.15") {
		t.Errorf("reported %v, want b=go1.16.15 first, then a=go1.13.15 and d=go1.14.15", order)
	}
	// Ensure hands every entry of a version what its first one got.
	tcs := m.Ensure(ctx, []toolchain.Toolchain{{Selector: "x", Version: "go1.14.15"}, {Selector: "y", Version: "go1.14.15"}})
	if tcs[0].GOROOT == "" || tcs[1].GOROOT != tcs[0].GOROOT || tcs[1].Selector != "y" {
		t.Errorf("Ensure = %+v", tcs)
	}
}
