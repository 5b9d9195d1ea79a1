// Package toolchaintest provides fake Go toolchains for tests, as
// net/http/httptest provides fake servers: every test that needs a
// toolchain to fetch, install or build with uses this one kit.
//
// A [Fake] describes a family of fake toolchains: the releases there
// are, the platform they are for, and what the programs each builds do.
// A fake's tree has the shape of a real one (VERSION, bin/go, bin/gofmt,
// pkg/tool/<goos>_<goarch>/compile, src/ with _go.mod files), and its
// bin/go is a shell script: it answers `go version` and `go env GOROOT`
// as a real one does, and `go build -o X` writes X as a shell script
// that, as [Fake.Behave] says for the release and GOEXPERIMENT, prints
// "hi" and exits, hangs, fails, or fails the build itself with an
// internal compiler error.
//
// A [Proxy] is a Go module proxy serving the golang.org/toolchain module
// zips of fakes, their @v/list, and a checksum database that signs real
// tree heads; it counts requests and plays the faults of a real network
// (error statuses, cut connections, stalls, delays, zips other than the
// one the checksum database vouches for). A [DL] serves release archives
// as dl.google.com does, with go.dev's JSON list of releases. An [Env] is
// the environment a runner sees in a test: a cache with some fakes
// installed and a proxy serving every release (or, offline, a cached list
// of them).
//
// The outcomes of a fake's programs are those of package results
// (results.Complete, …), spelled once there. Since results imports
// toolchain, so does this package, and package toolchain's own tests that
// use the fakes are an external test package, toolchain_test; the few
// internals they check (the cache layout, the install marker, the unzip
// step, the clock) are lent to them by toolchain's export_test.go. The
// other way round — a kit free of toolchain and results, importable from
// toolchain's internal tests — would spell the outcomes a second time,
// to be kept in step with results by hand.
//
// What runs is Unix only: the scripts need /bin/sh. [New] skips the test
// on Windows; trees, zips and servers work anywhere.
package toolchaintest
