/*
Runner builds and runs Go programs under every combination of Go version,
GOMAXPROCS, GODEBUG and GOEXPERIMENT that a matrix file names, and records
each cell's outcome — complete, hang, fail, build-error or skip — in a
results table.

Usage:

	go run ./runner [run] [-f matrix.yaml] [-o results] [-p N] [-list] [-q] [-rerun] [-json] [-only key=value]...
	go run ./runner plan [-shards N] [-os runners] [-from results.json]
	go run ./runner run -shard i/N [-plan-id ID]
	go run ./runner merge [-o DIR] FILE|DIR...
	go run ./runner versions [selector...]
	go run ./runner toolchains list | fetch SELECTOR... | prune [--keep SELECTOR...] [--all]
	go run ./runner report [-format markdown|html|csv|junit|json] [-o FILE] [results.json]
	go run ./runner diff [-format text|markdown] OLD.json NEW.json
	go run ./runner bisect CASE [key=value...] [-from 1.13] [-to stable] [-linear[=minors]]
	go run ./runner explain [-f matrix.yaml] [-results DIR] CELL
	go run ./runner compat [-versions SEL]... [-gomaxprocs N,N] [-o DIR] MODULE@VERSION
	go run ./runner help [command]

With no command, or a flag first, runner runs the matrix: it reads
matrix.yaml, resolves its toolchains (fetching from the Go module proxy,
verified against the checksum database, those not yet cached), builds each
case once per toolchain × GOEXPERIMENT in an environment built from scratch,
runs every cell as its own process group with GOMAXPROCS and GODEBUG set,
and writes results/results.json — the source of truth — with
results/results.md and results/index.html rendered from it. A cell that has not completed by its timeout is sent
SIGQUIT, and the goroutine dump the Go runtime prints is kept, before its
process group is killed.

The matrix file, the case.yaml file of a case directory, the outcomes, the
claims a matrix can check and the results format are documented in
README.md; cases with dependencies, module versions and the go line in
docs/realcode.md, test suites in docs/tests.md, explain in docs/explain.md. Run 'go run ./runner help COMMAND' for a command's flags.

Exit status: 0 the run completed; 1 it completed but something failed
outside the cells (a toolchain could not be had); 2 usage, matrix or case
file error, nothing run; 130 interrupted (the finished cells were written,
marked incomplete).

Environment:

	GOMATRIX_CACHE   cache directory: toolchains, build caches, binaries,
	                 cached results (default: os.UserCacheDir()/gomatrix)
	GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY, GOINSECURE
	                 where toolchains and a case's modules come from and how
	                 they are verified (docs/realcode.md)
	NO_COLOR         no colour on a terminal
*/
package main
