package scheduler

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// reproduce is a shell command that builds and runs the cell by hand:
// the same clean environment, the same go line, the same settings. It
// names no path of this machine's but the case's, relative to the
// matrix, so a reader of the results can run it on theirs (see
// goCommand).
func (s *Scheduler) reproduce(c *matrix.Cell, b build.Result) string {
	bin := "/tmp/" + strings.ReplaceAll(c.Case.Name, "/", "_")
	setup, goCmd := goCommand(c.Toolchain, b, s.CacheDir, runtime.GOOS)
	parts := append(setup, caseDir(c, b)...)
	parts = append(parts, buildCommand(c, b, goCmd, bin), runCommand(c, bin))
	return strings.Join(parts, " && ")
}

// goCmdVar is the shell variable the commands of a release's go command
// set (see goCommand).
const goCmdVar = "gocmd"

// goCommand is the go command that builds the cell, as a reader's shell
// finds it, and the commands that must run first to set it:
//
//   - the local toolchain is the go on the reader's PATH;
//   - a GOROOT the matrix names is that path, as the matrix names it;
//   - a rebuilt variant, which only gomatrix makes, is in the reader's
//     gomatrix cache (cacheExpr: $GOMATRIX_CACHE, else its default);
//   - a release is the one in the reader's gomatrix cache when it is
//     there, else golang.org/dl's in ~/sdk, fetched there first by
//     golang.org/dl's wrapper if it is not — so the command runs as it is
//     on a machine that ran the matrix, and on one that has only a go
//     command and the network.
//
// Every form is as the shell reads it: quoted, with the variables it
// expands left for it to expand.
func goCommand(t toolchain.Toolchain, b build.Result, cacheDir, goos string) (setup []string, goCmd string) {
	switch {
	case b.Variant != "":
		// The experiment is baked into the rebuilt toolchain.
		return nil, inCache(toolchain.Toolchain{GOROOT: b.GOROOT}.Go(), cacheDir, goos)
	case t.Selector == "local" || t.Source == "local":
		return nil, "go"
	case !isRelease(t):
		return nil, shellQuote(t.Go())
	}
	v := t.Version
	cached := cacheExpr(goos) + "/toolchains/" + shellQuote(v) + "/bin/go"
	sdk := `"$HOME"/sdk/` + shellQuote(v) + "/bin/go"
	set := goCmdVar + "=" + cached + "; " +
		`[ -x "$` + goCmdVar + `" ] || { ` + goCmdVar + "=" + sdk + "; " +
		`[ -x "$` + goCmdVar + `" ] || go run golang.org/dl/` + shellQuote(v) + "@latest download; }"
	return []string{set}, `"$` + goCmdVar + `"`
}

// isRelease reports whether t is a Go release gomatrix fetched by its
// version, rather than a Go the matrix names by where it is (local, a
// GOROOT path).
func isRelease(t toolchain.Toolchain) bool {
	return t.Version != "" && t.Source != "goroot" && !filepath.IsAbs(t.Selector)
}

// inCache is path, a file of this machine's gomatrix cache cacheDir, as
// the reader's shell finds it in theirs; a path outside it stays as it is.
func inCache(path, cacheDir, goos string) string {
	if cacheDir != "" {
		if rel, err := filepath.Rel(cacheDir, path); err == nil && filepath.IsLocal(rel) {
			return cacheExpr(goos) + "/" + shellQuote(filepath.ToSlash(rel))
		}
	}
	return shellQuote(path)
}

// cacheExpr is the shell's word for the reader's gomatrix cache:
// $GOMATRIX_CACHE, else its default, os.UserCacheDir()/gomatrix as a
// shell on goos spells it.
func cacheExpr(goos string) string {
	def := "${XDG_CACHE_HOME:-$HOME/.cache}/gomatrix"
	switch goos {
	case "darwin", "ios":
		def = "$HOME/Library/Caches/gomatrix"
	case "windows":
		def = "$LOCALAPPDATA/gomatrix"
	}
	return `"${GOMATRIX_CACHE:-` + def + `}"`
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

// buildCommand is the go build of the cell with goCmd (a shell word, see
// goCommand), in the clean environment.
func buildCommand(c *matrix.Cell, b build.Result, goCmd, bin string) string {
	env := []string{"GOENV=off", "GOFLAGS=", "GOTOOLCHAIN=local", "GO111MODULE=on", "GOPROXY=off", "CGO_ENABLED=0"}
	env = append(env, c.Env...)
	if b.Variant == "" && c.GOEXPERIMENT != "" {
		env = append(env, "GOEXPERIMENT="+c.GOEXPERIMENT) // a variant has it baked in
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
	return "env " + shellJoin(env) + " " + goCmd + verb + tags + " -o " + bin + " " + pkgArg(c)
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
