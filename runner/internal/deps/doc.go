// Package deps downloads a case's module dependencies into the module
// cache that every toolchain shares, so that builds can stay offline.
//
// # The download step
//
// Builds run in the clean environment of toolchain.Env: GOPROXY=off,
// GOSUMDB=off, GOFLAGS empty, GOPATH=<cache>/gopath, so the module cache
// is <cache>/gopath/pkg/mod for every toolchain from go1.13 on. Before a
// case whose go.mod requires modules is built with a
// toolchain, Download runs that toolchain's
//
//	go mod download -json
//
// in the case's copied module directory, with that environment plus the
// user's network settings (Net.Env). Modules already in the cache are
// not fetched again, so a case's dependencies are downloaded once, by
// the first toolchain, and later toolchains find them cached. No flags
// are added, and GOFLAGS stays empty: go1.13–go1.17 reject
// -buildvcs and go1.13 rejects -mod=mod. The go command may add lines to
// the directory's go.sum, which is why it must be a copy.
//
// What is downloaded is what `go mod download` without arguments
// chooses: the whole build list for a go.mod older than go 1.17 (and
// for go1.13–go1.17, whatever the go.mod says), only the go.mod's requirements (plus the go.mod
// files of the module graph) for a go 1.17 or later go.mod. A step can
// name modules instead (Request.Args, "path@version"), to fetch a module
// version by name into a scratch module.
//
// # Network settings
//
// NetFromEnv reads the user's settings from the environment and, for
// keys unset there, from the user's go env file (through `go env -json`
// of the go command on PATH). Net.Env turns them into entries appended
// to the clean environment:
//
//   - GOPROXY and GOSUMDB are always set, to the go command's defaults
//     (https://proxy.golang.org,direct and sum.golang.org) when empty,
//     since the clean environment turns both off.
//   - GONOSUMDB, GOPRIVATE, GONOPROXY and GOINSECURE are set when not
//     empty, with the go command's meaning: GOPRIVATE is the default of
//     GONOPROXY and GONOSUMDB.
//   - PassThrough variables (HTTP proxies, TLS roots, NETRC and git and
//     ssh settings, GOVCS, GOAUTH) are copied when set: the clean
//     environment drops them and its HOME is the cache's, so NetFromEnv
//     points NETRC at the user's ~/.netrc.
//
// # Offline
//
// With Net.Offline (the runner's -offline flag, or GOPROXY=off) the step
// sets GOPROXY=off and GOSUMDB=off: only the module cache is used. The
// checksum database would otherwise be asked over the network about
// every module the case's go.sum lacks. The case's go.sum is still
// checked, and the cache holds only modules verified when they were
// downloaded. A step that finds modules missing fails with one
// KindOffline entry for every module of the case's graph that the cache
// lacks, not only the first the go command stops at.
//
// # Errors
//
// A step fails with a *Error when any module fails, even if the go
// command exits 0; a module it reports without a directory in the cache
// counts as failed, so nothing half-downloaded is used (the go command
// itself keeps partial downloads out of the cache). Each failed module
// is a ModuleError with a Source (the GOPROXY entry it came from,
// "direct" when GONOPROXY or GOPRIVATE sends it to its origin, or
// SourceOffline), a Kind and a one-line Hint. Error() is one line naming
// the first module, its version, source and failure, and how many more
// failed; Details() lists them all. The kinds:
//
//   - KindNotFound: the proxy answered 404 or 410, or the origin said
//     "unknown revision" or "invalid version". Check that the version
//     exists (go list -m -versions PATH); for a private module set
//     GOPRIVATE.
//   - KindGoSum: "verifying PATH@VERSION: checksum mismatch" against a
//     "go.sum:" line. The case's go.sum disagrees with what the proxy and
//     checksum database serve: fix go.sum (remove the line, go mod tidy),
//     or the proxy served a tampered module.
//   - KindSumDB: a checksum mismatch against the checksum database
//     ("SECURITY ERROR"): the proxy served a module the database does not
//     vouch for.
//   - KindPrivate: the database's lookup answered 404 or 410, as it does
//     for a module it cannot fetch: set GOPRIVATE (or GONOSUMDB).
//   - KindOffline: "module lookup disabled by GOPROXY=off": run once
//     without -offline to fill the module cache.
//   - KindError: anything else, with the go command's message.
//
// A step cut short by its context returns an error wrapping ctx.Err()
// instead.
package deps
