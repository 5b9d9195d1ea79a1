// Package scheduler builds and runs a matrix's cells on the machine's
// cores: each distinct build once, then every cell that uses it, in
// parallel without oversubscribing, and turns each run into a result.
//
// # Cores
//
// Builds and runs share Parallel cores (-p) through one dispatcher. A run
// of GOMAXPROCS=n holds min(n, Parallel) cores (unset: all of them); each
// repeat of a cell is a run of its own. A build holds one core and runs
// `go build -p 1` when there are at least Parallel chains of builds (see
// Order) to share the cores, else it holds all of them with go build's
// default -p; a toolchain rebuild (make.bash) holds all of them.
//
// # Builds never run next to runs
//
// A run never starts while a build is running, and a build never starts
// while a run is running: builds run next to builds and runs next to
// runs, but no run is ever timed next to a build. Since builds go first,
// `gomatrix run` has a build phase, every core building, then a run phase.
//
// What a cell measures — complete_ms, and whether it hangs at all — is
// only true of a quiet machine, and one run decides a cell's complete_ms,
// so the tail matters as much as the median. On 2 cores, complete_ms of
// the sysmon case (claim C6: 10–25 ms) had a median of 12 ms and a
// maximum of 15–18 ms quiet; next to a go build -p 1, what a build got
// when builds and runs shared the cores, a median of 12–14 ms but a
// maximum of 22–28 ms, some runs outside C6's bounds; next to a go build
// on every core, a median of 20–29 ms and up to half the runs outside.
// `go run ./runner/internal/scheduler/bench/timing` measures it.
//
// # Cells as their toolchains arrive
//
// Run takes cells whose toolchains are in place; RunAsReady takes them in
// batches as their toolchains download (the pipeline fetches in the
// background), so that the cells of a toolchain that is there are built
// and run while the others download: a download holds no core. Each batch
// is grouped into builds as it comes. The runs of timed cells wait until
// the last batch has come: a download also uses the CPU (it verifies and
// extracts), and a timed run is only true of a quiet machine.
//
// # Timeline
//
// A Timeline, when set, records every job — a build (kind "variant" when
// it first rebuilds its toolchain), the runs in batches — with the cores
// it held; the pipeline adds the downloads and writes it to the cache
// (timeline.json). Chart draws it, a row per core.
//
// # Order
//
// Builds go first, since they unlock runs. Builds that share a toolchain,
// GOEXPERIMENT and env share the compiled std in the build cache, so they
// form a chain and run one after another: std is compiled once, not once
// per concurrent build. A build that waits for cores, or for runs to
// finish, keeps cheaper jobs from starting past it, so a toolchain
// rebuild that needs every core is not starved by narrow builds.
//
// Then runs go most expensive first, so that the tail of the run is
// short: a cell costs half its timeout, or what it took last time when
// the result cache has it, or its whole timeout when it hung last time.
// Cheaper runs fill the cores an expensive one leaves free.
//
// # Result cache
//
// Each finished cell is stored in Scheduler.Results under its CacheKey, a
// hash of everything that can change its result; the next run takes it
// from there (Cached set) instead of running it, unless Rerun is set.
package scheduler
