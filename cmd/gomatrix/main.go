// Command gomatrix builds and runs Go programs and test suites under every
// combination of Go version, GOMAXPROCS, GODEBUG and GOEXPERIMENT a matrix
// names, and writes a results table. Install it with
//
//	go install github.com/gomatrix/gomatrix/cmd/gomatrix@latest
//
// and run `gomatrix -h`, or read the manual: go doc github.com/gomatrix/gomatrix/runner.
package main

import "github.com/gomatrix/gomatrix/runner/command"

func main() { command.Main() }
