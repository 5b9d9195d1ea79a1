// Package toolchain finds, fetches, verifies and caches Go toolchains, and
// builds the clean environment every build and run of a toolchain uses.
//
// # Version selectors
//
// Each entry of a matrix's versions, and each argument of `gomatrix versions`
// and `gomatrix toolchains fetch`, is a selector:
//
//	1.13.15, go1.13.15    exactly that release
//	1.26rc1, go1.18beta1  a pre-release (picked only when named like this)
//	1.13, 1.13.x, go1.13  the newest patch release of Go 1.13
//	1.20.0                go1.20: before Go 1.21 a minor's first release had no ".0"
//	stable                the newest patch release of the newest minor (as setup-go has it)
//	oldstable             the newest patch release of the minor before that
//	>=1.14 <1.17          the newest patch release of every minor in the range
//	every-minor >=1.14    the same, said explicitly
//	all >=1.14 <1.17      every release in the range; "all" alone: every release
//	local                 the go command on PATH
//	/path/to/goroot       the toolchain installed there
//
// A plain range means every minor, not every patch, because a matrix wants
// one cell per minor far more often than fourteen cells of go1.14; "all"
// asks for every patch. A range's terms are gover.ParseConstraint's: >=,
// >, <=, <, = and != with a minor ("<=1.16" compares minors, so it admits
// go1.16.15) or a release ("<1.16.3" compares exactly). Ranges, minors,
// stable and oldstable never pick a pre-release.
//
// Selectors pick among the releases available for this platform: those
// the module proxy lists (golang.org/toolchain/@v/list — only some patch
// releases: for Go 1.13, 1.13.1, .4, .6, .7, .12 and .15), those go.dev's
// release list names when the dl source is on and go.dev answers, and the
// installed ones. Deduplicated by version, the first selector naming a
// version keeps it. A selector that picks nothing gives an error for that
// entry alone, one line naming the selector and the list it was resolved
// against, and a hint line; the rest of the matrix still runs.
//
// # Sources
//
// GOMATRIX_SOURCES lists the sources in the order they are tried (default
// "installed,proxy,dl"):
//
//   - installed: toolchains golang.org/dl installed as $HOME/sdk/goX.Y.Z
//     (only with its .unpacked-success marker) are used where they are.
//     Toolchains in the runner's own cache are always used.
//   - proxy: the module golang.org/toolchain@v0.0.1-goX.Y.Z.<os>-<arch>
//     from GOPROXY, verified against the checksum database (GOSUMDB),
//     reached through the proxy's /sumdb/ endpoint as cmd/go does. GOPROXY's
//     fallbacks are cmd/go's: after "," the next proxy is tried only on a 404
//     or 410, after "|" on any error; "off" stops; "direct" is skipped, since
//     only proxies serve toolchains. GOSUMDB=off, or a GONOSUMDB (else
//     GOPRIVATE) pattern matching golang.org/toolchain, turns verification
//     off, with a warning on every fetch.
//   - dl: the release archive golang.org/dl downloads,
//     $GOMATRIX_DL_BASE/goX.Y.Z.<os>-<arch>.tar.gz (.zip on windows; the base
//     defaults to https://dl.google.com/go/), verified against the SHA-256
//     in the .sha256 file beside it. For machines that reach dl.google.com,
//     such as GitHub Actions runners.
//
// A toolchain zip from the proxy holds the GOROOT at its root (under the
// module prefix "golang.org/toolchain@v0.0.1-go1.13.15.linux-amd64/", with
// no go/ directory), carries no file modes, and has its go.mod files
// renamed _go.mod (module zips may hold no go.mod below the root). It is
// checked with golang.org/x/mod/zip.CheckZip, whose limits (500 MB
// unpacked) fit a toolchain's 220–320 MB, then extracted by this package
// rather than zip.Unzip: in parallel, hashing each file as it is written so
// the h1: hash needs no second pass over 300 MB, and with the modes cmd/go
// gives (bin/ and pkg/tool/ executable). Each _go.mod is copied to go.mod,
// as cmd/go does.
//
// # Cache layout
//
// Under the cache directory ($GOMATRIX_CACHE, default gomatrix under the
// user cache directory):
//
//	toolchains/go1.13.15/        a GOROOT, used only if it holds .gomatrix-complete
//	toolchains/.tmp-go1.13.15-*  an install under way, or one that was killed
//	gocache/go1.13.15/           its build cache (GOCACHE, see Env)
//	downloads/                   zips while they download; deleted after extraction
//	locks/go1.13.15.lock         held while go1.13.15 is fetched or removed
//	sumdb/                       the checksum database's latest signed tree, tiles, lookups
//	releases-linux-amd64.json    the list of releases, fetched again after an hour
//
// `gomatrix toolchains prune` removes cached toolchains with their build
// caches; toolchains in $HOME/sdk are never removed.
//
// # Crashes and concurrent runners
//
// A toolchain is extracted into a temporary directory beside its target,
// verified, given its .gomatrix-complete marker last, and renamed into
// place, so the target is either absent or whole whenever the process
// dies (kill -9 included). A directory without the marker is never used;
// the next fetch of that version removes it, and any temporary directory
// or partial download, and starts over. A file lock per version (flock on
// unix, LockFileEx on windows, released by the system when its holder
// dies) makes runners that want the same toolchain at once, in one process
// or several, download it once: the others wait and then find it
// installed.
//
// # Offline
//
// The list of releases is cached for an hour. When it cannot be fetched,
// or GOMATRIX_OFFLINE=1, the cached list is used however old it is, with
// the installed toolchains; a note on the progress output says so and how
// old the list is. With no cached list at all, only installed toolchains
// and exact versions resolve. GOMATRIX_OFFLINE=1 sends no request at all:
// a toolchain that is not installed is an error for its cells.
//
// # Environment
//
//	GOPROXY           module proxies (default https://proxy.golang.org,direct)
//	GOSUMDB           checksum database (default sum.golang.org; off: no verification)
//	GONOSUMDB         module patterns not verified (default: GOPRIVATE)
//	GOMATRIX_SOURCES  sources in order (default installed,proxy,dl)
//	GOMATRIX_DL_BASE  base URL of release archives (default https://dl.google.com/go/)
//	GOMATRIX_OFFLINE  1: no network; cached list and installed toolchains only
//	GOMATRIX_CACHE    the cache directory
package toolchain
