package deps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// waitDelay is how long Download waits for the go command's output after
// ctx is done and the command is killed: a child it started (git, for a
// direct download) may hold the pipes open.
const waitDelay = 5 * time.Second

// A Request is one download step.
type Request struct {
	// Go is the go command to run (a toolchain's bin/go).
	Go string
	// Dir is the module directory (holds go.mod, maybe go.sum). The go
	// command may add lines to its go.sum, so it should be a copy.
	Dir string
	// Env is the toolchain's clean build environment (toolchain.Env);
	// Download appends Net.Env() to it.
	Env []string
	// Net is the user's network settings.
	Net Net
	// Version is the toolchain's version, "go1.13.15": it decides where
	// the module cache is (go1.13 and go1.14 ignore GOMODCACHE).
	Version string
	// Args are the modules to download ("path@version", or patterns
	// such as "all"); none means the module's dependencies, as
	// `go mod download` without arguments chooses them.
	Args []string
}

// A Module is one module the step reported: the fields of the go
// command's `go mod download -json` output.
type Module struct {
	Path, Version string
	// Error is the go command's message if the module failed.
	Error string
	// Dir is the module's extracted tree in the module cache; Zip its
	// zip there.
	Dir, Zip string
	// Sum and GoModSum are its go.sum hashes.
	Sum, GoModSum string
}

// Result is what a download step did.
type Result struct {
	// Modules are the modules the go command reported, in its order.
	Modules []Module
	// Output is the go command's stderr, its first and last 32 KiB.
	Output   string
	Duration time.Duration
}

// Download runs `go mod download -json [r.Args]` in r.Dir with r.Go, so
// that every module the case needs lands in the module cache. When a module fails,
// even if the go command exits 0, it returns a *Error with one entry per
// failed module; when ctx ends first, an error wrapping ctx.Err().
func Download(ctx context.Context, r Request) (Result, error) {
	start := time.Now()
	stdout, stderr, runErr := run(ctx, r)
	res := Result{Output: stderr, Duration: time.Since(start)}
	if runErr != nil && ctx.Err() != nil {
		return res, fmt.Errorf("download modules in %s: %w", r.Dir, ctx.Err())
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return res, fmt.Errorf("download modules in %s: %w", r.Dir, runErr)
	}
	mods, decodeErr := decodeModules(stdout)
	res.Modules = mods
	if e := failures(r, mods, stderr, runErr != nil); e != nil {
		return res, e
	}
	if decodeErr != nil {
		return res, fmt.Errorf("download modules in %s: %w", r.Dir, decodeErr)
	}
	return res, nil
}

// run runs the go command and returns its stdout, bounded stderr and
// exit error.
func run(ctx context.Context, r Request) ([]byte, string, error) {
	cmd := exec.CommandContext(ctx, r.Go, append([]string{"mod", "download", "-json"}, r.Args...)...)
	cmd.Dir = r.Dir
	// Later entries win (os/exec drops earlier duplicates), so Net's
	// GOPROXY and GOSUMDB replace the clean environment's "off".
	cmd.Env = append(slices.Clip(r.Env), r.Net.Env()...)
	cmd.WaitDelay = waitDelay
	var stdout bytes.Buffer
	stderr := &boundedBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

// failures returns the *Error for the modules that failed, or nil. A
// module the go command reported without error must have a directory in
// the module cache: anything less is not a usable download.
func failures(r Request, mods []Module, stderr string, exited bool) error {
	var errs []ModuleError
	for _, m := range mods {
		switch {
		case m.Error != "":
			msg := strings.TrimPrefix(m.Error, m.Path+"@"+m.Version+": ")
			errs = append(errs, ModuleError{Path: m.Path, Version: m.Version, Msg: msg})
		case m.Dir == "":
			errs = append(errs, ModuleError{Path: m.Path, Version: m.Version, Msg: "the go command reported no module directory"})
		}
	}
	if exited {
		errs = append(errs, stderrErrors(stderr)...)
	}
	if exited && len(errs) == 0 {
		errs = append(errs, ModuleError{Msg: "go mod download failed without a message"})
	}
	if len(errs) == 0 {
		return nil
	}
	e := &Error{Dir: r.Dir, Modules: dedupe(errs)}
	e.complete(r)
	return e
}

// dedupe drops repeated reports of a module (the go command prints some
// both in its JSON and on stderr, the JSON first), and errors tied to no
// module when some module failed: those are the go command's asides.
func dedupe(errs []ModuleError) []ModuleError {
	hasModule := slices.ContainsFunc(errs, func(e ModuleError) bool { return e.Path != "" })
	seen := map[string]bool{}
	var out []ModuleError
	for _, e := range errs {
		key := e.Path + "@" + e.Version
		if e.Path == "" {
			key = e.Msg
		}
		if seen[key] || hasModule && e.Path == "" {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

// complete classifies each failure from the go command's raw message,
// then shortens the message to one line. Offline, it adds every module
// of the case's graph the module cache lacks, since the go command
// stops at the first.
func (e *Error) complete(r Request) {
	offline := false
	for i := range e.Modules {
		m := &e.Modules[i]
		m.Kind = classify(m.Msg)
		m.Source = r.Net.source(m.Path, m.Kind, m.Msg)
		m.Msg, m.Hint = summary(m.Msg), hint(*m)
		offline = offline || m.Kind == KindOffline
	}
	if !offline {
		return
	}
	for _, v := range missing(r.Dir, r.Args, modCache(r.Env, r.Version)) {
		m := ModuleError{Path: v.Path, Version: v.Version, Source: SourceOffline, Kind: KindOffline, Msg: "not in the module cache"}
		m.Hint = hint(m)
		e.Modules = append(e.Modules, m)
	}
	e.Modules = dedupe(e.Modules)
}
