// Command fetchcmd fetches toolchains with toolchain.Manager, as
// `gomatrix toolchains fetch` does; fetch.sh uses it when the runner itself
// does not build.
//
//	go run ./runner/internal/toolchain/bench/fetchcmd [-parallel N] selector...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func main() {
	parallel := flag.Int("parallel", 2, "fetch at most `N` toolchains at once")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cache := os.Getenv("GOMATRIX_CACHE")
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "fetchcmd:", err)
			os.Exit(2)
		}
		cache = filepath.Join(d, "gomatrix")
	}
	m, err := toolchain.NewManager(cache, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetchcmd:", err)
		os.Exit(2)
	}
	m.Progress, m.Parallel = os.Stderr, *parallel
	tcs, err := m.Resolve(ctx, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetchcmd:", err)
		os.Exit(1)
	}
	code := 0
	for _, t := range m.Ensure(ctx, tcs) {
		if t.Error != "" {
			fmt.Fprintf(os.Stderr, "fetchcmd: %s\n", t.Error)
			code = 1
			continue
		}
		fmt.Printf("%s\t%s\t%s\n", t.Version, t.Source, t.GOROOT)
	}
	os.Exit(code)
}
