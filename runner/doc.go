/*
Runner is the gomatrix command, as `go run ./runner` runs it in a clone of
the repository; `go install github.com/gomatrix/gomatrix/cmd/gomatrix@latest`
installs the same command as gomatrix.

It builds and runs Go programs and test suites under every combination of
Go version, GOMAXPROCS, GODEBUG and GOEXPERIMENT that a matrix file names,
and records each cell's outcome — complete, hang, fail, build-error or
skip — in a results table.

Usage:

	gomatrix [run flags]                run matrix.yaml (the same as gomatrix run)
	gomatrix <command> [flags] [arguments]

The commands are:

	gomatrix run         build and run the matrix's cells and write the results
	gomatrix plan        split the matrix into shards for GitHub Actions jobs
	gomatrix merge       merge the results of shards, or of several hosts, into one
	gomatrix versions    show what version selectors resolve to
	gomatrix toolchains  list, fetch or prune cached toolchains
	gomatrix report      render a results.json again (markdown, html, csv, junit, json)
	gomatrix diff        compare two results.json; exit status 1 when something regressed
	gomatrix bisect      find the first release where a cell's outcome changes
	gomatrix explain     find the source lines where a GODEBUG setting or the go line flips a cell
	gomatrix compat      test a published module version on every Go release
	gomatrix help        show help for a command

With no command, or a flag first, gomatrix runs the matrix: it reads
matrix.yaml, resolves its toolchains (fetching from the Go module proxy,
verified against the checksum database, those not yet cached), builds each
case once per toolchain × GOEXPERIMENT in an environment built from
scratch, runs every cell as its own process group with GOMAXPROCS and
GODEBUG set, and writes three files: results/results.json (the source of
truth), and results/results.md and results/index.html rendered from it. A
cell that has not completed by its timeout is sent SIGQUIT, and the
goroutine dump the Go runtime prints is kept, before its process group is
killed.

This comment is an overview. The reference is in the repository's docs
directory, and 'gomatrix help COMMAND' prints a command's flags:

	docs/cli.md         every command and flag, exit statuses, environment variables, JSON events
	docs/matrix.md      every key of matrix.yaml and case.yaml, claims and verdicts
	docs/results.md     outcomes, the results.json schema, reading the reports
	docs/toolchains.md  version selectors, toolchain sources, the cache

Exit status: 0 done; 1 done, but something failed outside the cells (a
toolchain could not be had); 2 usage, matrix or case file error, nothing
run; 130 interrupted (the finished cells were written, marked incomplete).
*/
package main
