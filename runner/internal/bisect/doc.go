// Package bisect finds the first Go release in which a cell's outcome
// changes: `gomatrix bisect`.
//
// A compatibility report says that a case behaves differently on go1.13
// and go1.26; bisect says where it changed, trying as few toolchains as it
// can, since each one it has not got costs a 70–140 MB download.
//
// # The search
//
// Search is a pure algorithm over a Prober, which runs the cell under one
// release and returns its outcome (a Step). It is given the releases from
// the -from release to the -to release, ascending. The outcome of the
// -from release is the reference; the answer is the last release with it
// and the first release without it:
//
//  1. Probe both endpoints. If they agree there is nothing to bisect.
//  2. Bisect the minors: the -from release and the newest patch release of
//     every minor after it. A minor is one probe however many patches it
//     has, so this takes about log2(minors) probes.
//  3. Bisect the releases between the two minors found, which are the
//     patch releases of the minor where the outcome changed (and those of
//     the -from minor after the -from release).
//
// Only the outcome decides the direction of each step; with repeats
// (-repeat N) that is the majority outcome, and a step whose runs
// disagreed is flaky: it is marked, and a boundary that rests on one says
// so.
//
// A release that cannot be tried (its toolchain cannot be had; the case's
// go constraint excludes it) is skipped: the search goes on with its
// neighbours. An endpoint that cannot be tried ends the search.
//
// # What a bisection cannot see
//
// A bisection assumes the outcome changes once. It reports every
// inconsistency its probes show: after the search, the probed releases
// are put in version order, and each pair of neighbours with different
// outcomes is a Change. The first is the Boundary; any other is a further
// change the probes happened to straddle (build-error at go1.18.10,
// complete at go1.20.14), reported with the releases between them that
// were not probed. When an outcome comes back after another one
// (complete, build-error, complete) the history is NonMonotone. But a
// behaviour that changes and changes back between two probes is
// invisible to it — in particular when the endpoints agree. The other
// modes look at more releases:
//
//   - LinearMinors probes the newest patch of every minor, then bisects
//     the patches of each minor where the outcome changed;
//   - Linear probes every release.
//
// # Probing for real
//
// CellProber is the Prober of `gomatrix bisect`: it fetches the toolchain of
// the release it is asked about only then (and counts what it fetched),
// and builds and runs the one cell through scheduler.Scheduler, so that
// the clean environment, the build, the classification of the outcome,
// the inert-setting checks and the reproduce commands are exactly those of
// `gomatrix run`. Releases resolves the -from and -to selectors and the
// releases between them with toolchain.Manager.
package bisect
