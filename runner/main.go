// Command runner is the gomatrix command as `go run ./runner` runs it in a
// clone of the repository; `go install …/cmd/gomatrix` installs the same
// command. See doc.go, or run it with -h.
package main

import "github.com/gomatrix/gomatrix/runner/command"

func main() { command.Main() }
