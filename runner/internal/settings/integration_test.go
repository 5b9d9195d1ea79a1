package settings

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// TestIntegrationRealToolchains scans the sources of real go1.13, go1.17,
// go1.20 and go1.21 toolchains: each knows a runtime key and a key only
// another package reads (the keys detection called inert before it read
// more than the runtime), and not a made-up one. It fetches about 400 MB
// into the runner's cache ($GOMATRIX_CACHE, default gomatrix under the
// user cache directory, so a machine that ran the matrix has them), and
// so runs only with GOMATRIX_INTEGRATION=1.
func TestIntegrationRealToolchains(t *testing.T) {
	if os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to fetch go1.13, go1.17, go1.20 and go1.21 from the real module proxy (about 400 MB)")
	}
	cache := os.Getenv("GOMATRIX_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(dir, "gomatrix")
	}
	m, err := toolchain.NewManager(cache, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	tests := []struct {
		selector string
		// known are a runtime key and keys other packages read, each
		// honoured by that release; unknown are keys none of its
		// packages reads.
		known, unknown []string
	}{
		{"1.13", []string{"gctrace", "memprofilerate", "tls13", "netdns", "http2client", "x509ignoreCN", "cpu.avx2"}, []string{"asyncpreemptoff", "panicnil"}},
		{"1.17", []string{"gctrace", "asyncpreemptoff", "netdns", "http2client", "http2server"}, []string{"tls13", "x509sha1"}},
		{"1.20", []string{"gctrace", "x509sha1", "tarinsecurepath", "zipinsecurepath", "randautoseed", "netdns"}, []string{"panicnil"}},
		{"1.21", []string{"gctrace", "panicnil", "x509sha1", "execerrdot", "netdns"}, []string{"httpmuxgo121"}},
	}
	var selectors []string
	for _, tt := range tests {
		selectors = append(selectors, tt.selector)
	}
	start := time.Now()
	tcs, err := m.Resolve(ctx, selectors)
	if err != nil || len(tcs) != len(tests) {
		t.Fatalf("Resolve(%v) = %+v, %v", selectors, tcs, err)
	}
	tcs = m.Ensure(ctx, tcs)
	t.Logf("resolved and fetched %d toolchains in %.1f s", len(tcs), time.Since(start).Seconds())
	for i, tt := range tests {
		tc := tcs[i]
		if tc.Error != "" {
			t.Fatalf("%s: %s", tt.selector, tc.Error)
		}
		start := time.Now()
		keys, err := GODEBUGKeys(tc.GOROOT)
		if err != nil {
			t.Fatalf("%s: %v", tc.Version, err)
		}
		t.Logf("%s: %d keys in %v", tc.Version, len(keys), time.Since(start).Round(time.Millisecond))
		for _, k := range tt.known {
			if !keys[k] {
				t.Errorf("%s: %s not found, but the release reads it", tc.Version, k)
			}
		}
		for _, k := range append(tt.unknown, "gomatrixmadeup") {
			if keys[k] {
				t.Errorf("%s: %s found, but no package of the release reads it", tc.Version, k)
			}
		}
		if msg := InertGODEBUG(tc.Version, "gomatrixmadeup=1", keys); !strings.Contains(msg, "does not read gomatrixmadeup") {
			t.Errorf("%s: made-up key: %q", tc.Version, msg)
		}
	}
}
