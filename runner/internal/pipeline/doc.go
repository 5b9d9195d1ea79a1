// Package pipeline is the one path from a matrix file to results: every
// command that derives cells — run, run -shard, plan, merge (for its
// claims) and bisect (its toolchains and scheduler) — goes through it, so
// that every job of a sharded run derives the same cells from the same
// inputs as the plan that made the shards.
//
// Data flows in two steps, Prepare and Execute, then Write:
//
//	Prepare  matrix.yaml, case.yaml ── matrix.Load ──────────> Matrix, cases
//	         versions ─────────────── toolchain.Resolve ─────> toolchains
//	         Matrix.Expand ──> cells ── -only ──> cells ── -shard i/N ──> cells
//	         shard.Hash, shard.SourceHash ───────────────────> matrix_hash, source_hash
//	Execute  toolchain.Ensure: fetch what the cells need ───> GOROOTs
//	         scheduler.Run: build once per case × toolchain × GOEXPERIMENT,
//	         run every cell ──────────────────────────────────> results.Cell
//	         claim.Evaluate ──────────────────────────────────> results.Results
//	Write    results.json (the source of truth) ── report ──> results.md, index.html
//
// Execute's two steps overlap: the toolchains download in the background
// (toolchain.EnsureEach) while the scheduler builds and runs the cells of
// those already there (scheduler.RunAsReady).
//
// Errors in what the user gave — the matrix file, a case, -only, -shard,
// an environment variable — are InputErrors: nothing was run.
package pipeline
