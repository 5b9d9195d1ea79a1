package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

const versionsUsage = `usage: gomatrix versions [-json] [selector...]

Versions prints what each version selector resolves to, and whether that
toolchain is installed (and where) or would be fetched. Nothing is
downloaded but the list of releases (cached for an hour). With no
selectors it resolves "stable".

Selectors (quote those with spaces):
	1.13.15, go1.13.15, 1.26rc1   that release (1.20.0 also names go1.20)
	1.13, 1.13.x                  the newest patch release of go1.13
	stable, oldstable             newest patch of the newest / previous minor
	'>=1.14 <1.17'                newest patch of every minor in the range
	'every-minor >=1.14'          the same, said explicitly
	'all >=1.14 <1.17'            every release in the range; 'all' every release
	local                         the go command on PATH
	/abs/path/to/goroot           the toolchain installed there
Pre-releases are picked only when named exactly.

Flags:
`

// cmdVersions implements `gomatrix versions`.
func cmdVersions(ctx context.Context, e *Env, args []string) error {
	fs := flag.NewFlagSet("versions", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print the resolved toolchains as a JSON array")
	fs.Usage = func() { fmt.Fprint(fs.Output(), versionsUsage); fs.PrintDefaults() }
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	sels := fs.Args()
	if len(sels) == 0 {
		sels = []string{"stable"}
	}
	m, err := e.pipeline(e.Stderr).NewManager()
	if err != nil {
		return err
	}
	tcs, err := m.Resolve(ctx, sels)
	if err != nil {
		return err
	}
	if *jsonOut {
		writeToolchainJSON(e.Stdout, tcs)
	} else {
		printVersions(e.Stdout, tcs)
	}
	return toolchainErrors(tcs)
}

// printVersions prints a table of what selectors resolved to.
func printVersions(w io.Writer, tcs []toolchain.Toolchain) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SELECTOR\tVERSION\tINSTALLED\tSOURCE\tGOROOT")
	for _, t := range tcs {
		switch {
		case t.Error != "":
			fmt.Fprintf(tw, "%s\t-\terror\t-\t-\n", t.Selector)
		case t.GOROOT != "":
			fmt.Fprintf(tw, "%s\t%s\tyes\t%s\t%s\n", t.Selector, t.Version, t.Source, t.GOROOT)
		default:
			fmt.Fprintf(tw, "%s\t%s\tno\t-\t-\n", t.Selector, t.Version)
		}
	}
	tw.Flush()
}

const toolchainsUsage = `usage: gomatrix toolchains <list|fetch|prune> [flags] [args]

Toolchains manages the toolchains the runner caches under
$GOMATRIX_CACHE/toolchains (and reads those golang.org/dl installed in
~/sdk, which it never changes).

	list [-json]                     installed toolchains, with sizes
	fetch [-parallel N] selector...  fetch toolchains ahead of a run
	prune [-n] -keep selector...     remove cached toolchains but these
	prune [-n] -all                  remove every cached toolchain

Prune also removes each toolchain's build cache ($GOMATRIX_CACHE/gocache/
<version>) and whatever interrupted downloads left. Run
'gomatrix toolchains <command> -h' for a command's flags; 'gomatrix versions
-h' describes selectors.

Environment: GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE as for the go command;
GOMATRIX_SOURCES (default installed,proxy,dl), GOMATRIX_DL_BASE,
GOMATRIX_OFFLINE=1 (installed toolchains and the cached list only).
`

// cmdToolchains implements `gomatrix toolchains list|fetch|prune`.
func cmdToolchains(ctx context.Context, e *Env, args []string) error {
	if len(args) == 0 {
		return usagef("no command\n%shint: 'gomatrix help toolchains' describes them", usageLine(toolchainsUsage))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.Stdout, toolchainsUsage)
		return nil
	case "list":
		return toolchainsList(e, args[1:])
	case "fetch":
		return toolchainsFetch(ctx, e, args[1:])
	case "prune":
		return toolchainsPrune(ctx, e, args[1:])
	}
	return usagef("unknown command %q\nhint: use list, fetch or prune", args[0])
}

func toolchainsList(e *Env, args []string) error {
	fs := flag.NewFlagSet("toolchains list", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print the toolchains as a JSON array")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: gomatrix toolchains list [-json]\n\n"+
			"List prints the toolchains installed in the cache and in ~/sdk, with\n"+
			"the size of each and of its build cache.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	m, err := e.pipeline(e.Stderr).NewManager()
	if err != nil {
		return err
	}
	list, err := m.List(true)
	if err != nil {
		return err
	}
	if *jsonOut {
		writeToolchainJSON(e.Stdout, list)
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintf(e.Stdout, "no toolchains installed in %s\n", m.CacheDir)
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSOURCE\tSIZE\tBUILD CACHE\tGOROOT")
	var total int64
	for _, in := range list {
		bc := "-"
		if in.Source == "cache" {
			bc = byteSize(in.BuildCache)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.Version, in.Source, byteSize(in.Size), bc, in.GOROOT)
		total += in.Size + in.BuildCache
	}
	fmt.Fprintf(tw, "total\t\t%s\t\t\n", byteSize(total))
	tw.Flush()
	return nil
}

func toolchainsFetch(ctx context.Context, e *Env, args []string) error {
	fs := flag.NewFlagSet("toolchains fetch", flag.ContinueOnError)
	parallel := fs.Int("parallel", 2, "fetch at most `N` toolchains at once")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: gomatrix toolchains fetch [-parallel N] selector...\n\n"+
			"Fetch resolves the selectors (see 'gomatrix versions -h') and installs\n"+
			"every toolchain not installed yet, verified, into the cache. It prints\n"+
			"one line per toolchain; exit status 1 if any could not be had.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no selectors\nhint: name versions, as in 'gomatrix toolchains fetch 1.13 stable'")
	}
	if *parallel < 1 {
		return usagef("-parallel must be at least 1")
	}
	m, err := e.pipeline(e.Stderr).NewManager()
	if err != nil {
		return err
	}
	m.Parallel = *parallel
	tcs, err := m.Resolve(ctx, fs.Args())
	if err != nil {
		return err
	}
	tcs = m.Ensure(ctx, tcs)
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	for _, t := range tcs {
		if t.Error == "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Version, t.Source, t.GOROOT)
		}
	}
	tw.Flush()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return toolchainErrors(tcs)
}

func toolchainsPrune(ctx context.Context, e *Env, args []string) error {
	fs := flag.NewFlagSet("toolchains prune", flag.ContinueOnError)
	keep := fs.Bool("keep", false, "keep the toolchains the selector arguments resolve to; remove the other cached ones")
	all := fs.Bool("all", false, "remove every cached toolchain")
	dry := fs.Bool("n", false, "print what would be removed, and remove nothing")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: gomatrix toolchains prune [-n] -keep selector...\n"+
			"       gomatrix toolchains prune [-n] -all\n\n"+
			"Prune removes cached toolchains and their build caches, and the\n"+
			"leftovers of interrupted downloads. Toolchains in ~/sdk are never\n"+
			"removed. A -keep selector that cannot be resolved removes nothing.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *keep == *all:
		return usagef("name either -keep selector... or -all\nhint: 'gomatrix toolchains prune -keep stable' keeps only the newest release")
	case *keep && fs.NArg() == 0:
		return usagef("-keep needs selectors\nhint: 'gomatrix toolchains prune -keep stable 1.13'; -all removes everything")
	case *all && fs.NArg() > 0:
		return usagef("-all takes no selectors (got %q)", fs.Arg(0))
	}
	m, err := e.pipeline(e.Stderr).NewManager()
	if err != nil {
		return err
	}
	kept := map[string]bool{}
	if *keep {
		tcs, err := m.Resolve(ctx, fs.Args())
		if err != nil {
			return err
		}
		if err := toolchainErrors(tcs); err != nil {
			return fmt.Errorf("%w\nnothing removed, since a -keep selector did not resolve", err)
		}
		for _, t := range tcs {
			kept[t.Version] = true
		}
	}
	removed, err := m.Prune(ctx, func(v string) bool { return kept[v] }, *dry)
	verb := "removed"
	if *dry {
		verb = "would remove"
	}
	var freed int64
	for _, in := range removed {
		fmt.Fprintf(e.Stdout, "%s %s (%s, build cache %s)\n", verb, in.Version, byteSize(in.Size), byteSize(in.BuildCache))
		freed += in.Size + in.BuildCache
	}
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		fmt.Fprintln(e.Stdout, "nothing to remove")
	} else if *dry {
		fmt.Fprintf(e.Stdout, "would free %s\n", byteSize(freed))
	} else {
		fmt.Fprintf(e.Stdout, "freed %s\n", byteSize(freed))
	}
	return nil
}

// toolchainErrors returns the errors of the toolchains that have one,
// one per line, or nil.
func toolchainErrors(tcs []toolchain.Toolchain) error {
	var msgs []string
	for _, t := range tcs {
		if t.Error != "" {
			msgs = append(msgs, strings.TrimSpace(t.Error))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "\n"))
}

func writeToolchainJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	enc.Encode(v)
}

// byteSize formats a byte count for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
