package scheduler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// reproduce is a shell command that builds and runs the cell by hand:
// the same clean environment, the same go line, the same settings.
func (s *Scheduler) reproduce(c *matrix.Cell, b build.Result) string {
	bin := "/tmp/" + strings.ReplaceAll(c.Case.Name, "/", "_")
	parts := append(caseDir(c, b), buildCommand(c, b, bin), runCommand(c, bin))
	return strings.Join(parts, " && ")
}

// caseDir is the commands that make the directory the builder built
// in: a copy of the case (or of the module version it names) with the
// go.mod the build used, its dependencies downloaded.
func caseDir(c *matrix.Cell, b build.Result) []string {
	dir := c.Case.Rel
	if dir == "" {
		dir = c.Case.Dir
	}
	src := shellQuote(dir) + "/."
	var cmds []string
	if mv := c.Case.Module; mv.Path != "" && !c.Case.HasProgram {
		cmds = append(cmds, "GOFLAGS=-modcacherw go mod download "+shellQuote(mv.String()))
		esc, _ := module.EscapePath(mv.Path)
		src = "\"$(go env GOMODCACHE)\"/" + shellQuote(esc+"@"+mv.Version) + "/."
	}
	cmds = append(cmds, "d=$(mktemp -d)", "cp -R "+src+" \"$d\"", "chmod -R u+w \"$d\"", "cd \"$d\"")
	if b.GoMod != "" {
		// One line, so the command survives a copy from a terminal: %b
		// turns the \n escapes back into newlines.
		esc := strings.ReplaceAll(strings.ReplaceAll(b.GoMod, `\`, `\\`), "\n", `\n`)
		cmds = append(cmds, "printf '%b' "+shellQuote(esc)+" > go.mod")
	}
	if b.Modules > 0 {
		cmds = append(cmds, "go mod download")
	}
	return cmds
}

// buildCommand is the go build of the cell, in the clean environment.
func buildCommand(c *matrix.Cell, b build.Result, bin string) string {
	env := []string{"GOENV=off", "GOFLAGS=", "GOTOOLCHAIN=local", "GO111MODULE=on", "GOPROXY=off", "CGO_ENABLED=0"}
	env = append(env, c.Env...)
	goCmd := c.Toolchain.Go()
	if b.Variant != "" {
		// The experiment is baked into the rebuilt toolchain.
		goCmd = toolchain.Toolchain{GOROOT: b.GOROOT}.Go()
	} else if c.GOEXPERIMENT != "" {
		env = append(env, "GOEXPERIMENT="+c.GOEXPERIMENT)
	}
	tags := ""
	if slices.Contains(b.Command, "-mod=vendor") {
		tags = " -mod=vendor"
	}
	if len(c.Case.Tags) > 0 {
		tags += " -tags " + shellQuote(strings.Join(c.Case.Tags, ","))
	}
	verb := " build"
	if c.Case.Kind == matrix.KindTest {
		verb = " test -c"
	}
	return "env " + shellJoin(env) + " " + shellQuote(goCmd) + verb + tags + " -o " + bin + " " + pkgArg(c)
}

// pkgArg is the package the build names.
func pkgArg(c *matrix.Cell) string {
	if c.Case.Module.Path != "" && (!c.Case.HasProgram || c.Case.Kind == matrix.KindTest) && c.Case.Package != "" {
		return shellQuote(c.Case.Package)
	}
	return "."
}

// runCommand runs bin with the cell's settings and timeout.
func runCommand(c *matrix.Cell, bin string) string {
	var env []string
	if c.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(c.GOMAXPROCS))
	}
	if c.GODEBUG != "" {
		env = append(env, "GODEBUG="+c.GODEBUG)
	}
	env = append(env, c.Env...)
	cmd := fmt.Sprintf("timeout -s QUIT %s %s", strconv.FormatFloat(c.Timeout.Seconds(), 'f', -1, 64), bin)
	args := c.Case.Args
	if c.Case.Kind == matrix.KindTest {
		args = TestArgs(c.Case.Test, c.Toolchain.Version)
	}
	for _, a := range args {
		cmd += " " + shellQuote(a)
	}
	if len(env) > 0 {
		cmd = "env " + shellJoin(env) + " " + cmd
	}
	if c.Case.Kind == matrix.KindTest {
		cmd = "cd " + pkgArg(c) + " && " + cmd // a test runs in its package's directory
	}
	return cmd
}

func shellJoin(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = shellQuote(s)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
