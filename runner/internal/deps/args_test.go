package deps_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/deps/depstest"
)

// scratch writes a module directory with a go.mod requiring nothing, as
// a step fetching a module by name runs in.
func scratch(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module gomatrix.fetch\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	return dir
}

func downloadArgs(t *testing.T, tc depstest.Toolchain, n deps.Net, args ...string) (deps.Result, error) {
	return deps.Download(t.Context(), deps.Request{Go: tc.Go, Dir: scratch(t), Env: tc.Env, Net: n, Version: tc.Version, Args: args})
}

func TestArgs(t *testing.T) {
	forEach(t, func(t *testing.T, tc depstest.Toolchain) {
		s := serve(t)
		res, err := downloadArgs(t, tc, netOf(s), "example.com/a@v1.0.0")
		if err != nil {
			t.Fatalf("Download: %v\n%s", err, res.Output)
		}
		if len(res.Modules) != 1 || res.Modules[0].Path != "example.com/a" || res.Modules[0].Zip == "" || res.Modules[0].Sum == "" {
			t.Errorf("Modules = %+v, want example.com/a with its zip", res.Modules)
		}
		_, err = downloadArgs(t, tc, netOf(s), "example.com/missing@v1.0.0")
		checkError(t, err, "example.com/missing", "v1.0.0", s.GOPROXY, deps.KindNotFound)
		_, err = downloadArgs(t, tc, netOf(s), "example.com/tampered@v1.1.0")
		checkError(t, err, "example.com/tampered", "v1.1.0", s.GOPROXY, deps.KindSumDB)

		n := netOf(s)
		n.Offline = true
		if res, err := downloadArgs(t, tc, n, "example.com/a@v1.0.0"); err != nil {
			t.Errorf("offline, cached: %v\n%s", err, res.Output)
		}
		_, err = downloadArgs(t, tc, n, "example.com/b@v1.2.0", "example.com/e@v1.0.0")
		e := checkError(t, err, "example.com/b", "v1.2.0", deps.SourceOffline, deps.KindOffline)
		if !strings.Contains(e.Error(), "example.com/e@v1.0.0") {
			t.Errorf("Error() = %q, does not list every missing module", e)
		}
	})
}
