package deps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/deps/depstest"
)

// serve starts a Server with the modules the tests use.
func serve(t *testing.T) *depstest.Server {
	files := func(name string) map[string]string { return map[string]string{name + ".go": "package " + name + "\n"} }
	return depstest.NewServer(t,
		depstest.Module{Path: "example.com/a", Version: "v1.0.0", Files: files("a"), Require: []string{"example.com/d@v1.0.0"}},
		depstest.Module{Path: "example.com/b", Version: "v1.2.0", Files: files("b")},
		depstest.Module{Path: "example.com/d", Version: "v1.0.0", Files: files("d")},
		depstest.Module{Path: "example.com/e", Version: "v1.0.0", Files: files("e"), Require: []string{"example.com/missing@v1.0.0"}},
		depstest.Module{Path: "example.com/missing", Version: "v1.0.0", Missing: true},
		depstest.Module{Path: "example.com/tampered", Version: "v1.1.0", Files: files("tampered"), Tampered: true},
		depstest.Module{Path: "private.example/p", Version: "v0.3.0", Files: files("p"), Private: true},
		depstest.Module{Path: "example.com/hang", Version: "v1.0.0", Files: files("hang"), Hang: true},
	)
}

func netOf(s *depstest.Server) deps.Net { return deps.Net{GOPROXY: s.GOPROXY, GOSUMDB: s.GOSUMDB} }

// forEach runs f for each toolchain depstest.Toolchains returns, each
// with a module cache of its own.
func forEach(t *testing.T, f func(t *testing.T, tc depstest.Toolchain)) {
	for _, tc := range depstest.Toolchains(t) {
		t.Run(tc.Name(), func(t *testing.T) { f(t, tc) })
	}
}

func download(ctx context.Context, tc depstest.Toolchain, n deps.Net, dir string) (deps.Result, error) {
	return deps.Download(ctx, deps.Request{Go: tc.Go, Dir: dir, Env: tc.Env, Net: n, Version: tc.Version})
}

// inCache reports whether path@version is extracted in tc's module cache.
func inCache(tc depstest.Toolchain, path, version string) bool {
	_, err := os.Stat(filepath.Join(tc.ModCache, path+"@"+version))
	return err == nil
}

// checkError checks that err is a *deps.Error whose first module is
// path@version from source, of kind, with a one-line Error naming all
// three and a hint.
func checkError(t *testing.T, err error, path, version, source, kind string) *deps.Error {
	t.Helper()
	var e *deps.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *deps.Error", err, err)
	}
	t.Logf("Error: %s\nHint: %s", e, e.Hint())
	m := e.Modules[0]
	if m.Path != path || m.Version != version || m.Source != source || m.Kind != kind {
		t.Errorf("first module = %s@%s from %q, kind %q; want %s@%s from %q, kind %q", m.Path, m.Version, m.Source, m.Kind, path, version, source, kind)
	}
	msg := e.Error()
	for _, want := range []string{path + "@" + version, source, kind} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("Error() = %q, want one line", msg)
	}
	if h := e.Hint(); h == "" || strings.Contains(h, "\n") {
		t.Errorf("Hint() = %q, want one line", h)
	}
	return e
}

func TestDownload(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		res, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, "", "example.com/a@v1.0.0", "example.com/b@v1.2.0"))
		if err != nil {
			t.Fatalf("Download: %v\n%s", err, res.Output)
		}
		var got []string
		for _, m := range res.Modules {
			got = append(got, m.Path+"@"+m.Version)
			if m.Dir == "" || m.Sum == "" || m.GoModSum == "" || m.Error != "" {
				t.Errorf("module %+v incomplete", m)
			}
		}
		if want := "example.com/a@v1.0.0 example.com/b@v1.2.0 example.com/d@v1.0.0"; strings.Join(got, " ") != want {
			t.Errorf("Modules = %v, want %s", got, want)
		}
		for _, m := range []string{"example.com/a@v1.0.0/a.go", "example.com/b@v1.2.0/b.go", "example.com/d@v1.0.0/d.go"} {
			if _, err := os.Stat(filepath.Join(tc.ModCache, m)); err != nil {
				t.Errorf("not in the module cache: %v", err)
			}
		}
		if res.Duration <= 0 {
			t.Errorf("Duration = %v", res.Duration)
		}
	})
}

func TestNotFound(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		// Required by the case, and only through another module.
		for _, req := range []string{"example.com/missing@v1.0.0", "example.com/e@v1.0.0"} {
			_, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, "", "example.com/a@v1.0.0", req))
			checkError(t, err, "example.com/missing", "v1.0.0", s.GOPROXY, deps.KindNotFound)
		}
	})
}

func TestTamperedZip(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		_, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, "", "example.com/a@v1.0.0", "example.com/tampered@v1.1.0"))
		checkError(t, err, "example.com/tampered", "v1.1.0", s.GOPROXY, deps.KindSumDB)
		if inCache(tc, "example.com/tampered", "v1.1.0") {
			t.Errorf("the tampered module is in the module cache")
		}
	})
}

func TestGoSumMismatch(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		gosum := strings.Replace(s.GoSum("example.com/b", "v1.2.0"), "v1.2.0 h1:", "v1.2.0 h1:AAAA", 1)
		_, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, gosum, "example.com/b@v1.2.0"))
		checkError(t, err, "example.com/b", "v1.2.0", s.GOPROXY, deps.KindGoSum)
		if inCache(tc, "example.com/b", "v1.2.0") {
			t.Errorf("the mismatched module is in the module cache")
		}
	})
}

func TestPrivate(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		_, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, "", "example.com/a@v1.0.0", "private.example/p@v0.3.0"))
		e := checkError(t, err, "private.example/p", "v0.3.0", s.GOPROXY, deps.KindPrivate)
		if !strings.Contains(e.Hint(), "GOPRIVATE=private.example/p") {
			t.Errorf("Hint() = %q, want it to suggest GOPRIVATE", e.Hint())
		}

		n := netOf(s)
		n.GONOSUMDB = "private.example"
		if res, err := download(t.Context(), tc, n, depstest.WriteCase(t, "", "example.com/a@v1.0.0", "private.example/p@v0.3.0")); err != nil {
			t.Fatalf("with GONOSUMDB: %v\n%s", err, res.Output)
		}
		if !inCache(tc, "private.example/p", "v0.3.0") {
			t.Errorf("private.example/p@v0.3.0 is not in the module cache")
		}
	})
}

func TestOfflineColdCache(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		// One module is cached already: only the others are missing.
		if _, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, "", "example.com/d@v1.0.0")); err != nil {
			t.Fatal(err)
		}
		before := s.Requests()
		n := netOf(s)
		n.Offline = true
		// For a go 1.17 go.mod, even the newest go command reports only
		// the first missing module.
		for _, goVersion := range []string{"1.13", "1.17"} {
			_, err := download(t.Context(), tc, n, depstest.WriteCaseGo(t, goVersion, "", "example.com/a@v1.0.0", "example.com/b@v1.2.0", "example.com/d@v1.0.0"))
			e := checkError(t, err, "example.com/a", "v1.0.0", deps.SourceOffline, deps.KindOffline)
			var got []string
			for _, m := range e.Modules {
				got = append(got, m.Path+"@"+m.Version)
			}
			if want := "example.com/a@v1.0.0 example.com/b@v1.2.0"; strings.Join(got, " ") != want {
				t.Errorf("go %s: missing modules = %v, want %s", goVersion, got, want)
			}
			if !strings.Contains(e.Error(), "example.com/b@v1.2.0") {
				t.Errorf("go %s: Error() = %q, does not list every missing module", goVersion, e)
			}
		}
		if n := s.Requests() - before; n != 0 {
			t.Errorf("offline step made %d requests", n)
		}
	})
}

func TestOfflineWarmCache(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		// With a complete go.sum the go command asks the checksum
		// database nothing, so the offline step below must not either.
		gosum := s.GoSum("example.com/a", "v1.0.0") + s.GoSum("example.com/b", "v1.2.0") + s.GoSum("example.com/d", "v1.0.0")
		if _, err := download(t.Context(), tc, netOf(s), depstest.WriteCase(t, gosum, "example.com/a@v1.0.0", "example.com/b@v1.2.0")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		n := netOf(s)
		n.Offline = true
		res, err := download(t.Context(), tc, n, depstest.WriteCase(t, "", "example.com/a@v1.0.0", "example.com/b@v1.2.0"))
		if err != nil {
			t.Fatalf("offline with a warm cache: %v\n%s", err, res.Output)
		}
		if len(res.Modules) != 3 {
			t.Errorf("Modules = %+v, want a, b and d", res.Modules)
		}
	})
}

func TestCancel(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := download(ctx, tc, netOf(s), depstest.WriteCase(t, "", "example.com/hang@v1.0.0"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Download returned after %v", d)
		}
		if inCache(tc, "example.com/hang", "v1.0.0") {
			t.Errorf("the interrupted module is in the module cache")
		}
	})
}
