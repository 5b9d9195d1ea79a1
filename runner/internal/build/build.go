// Package build builds a case once per (case, toolchain, GOEXPERIMENT,
// build settings), in a clean environment, and reads back from the binary
// which experiments took effect.
package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/deps"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// maxOutput bounds the compiler output kept for a build.
const maxOutput = 64 << 10

// A Request is one build: everything that goes into a binary.
type Request struct {
	Case         *matrix.Case
	Toolchain    toolchain.Toolchain
	GOEXPERIMENT string
	Env          []string // matrix and case env; build settings such as CGO_ENABLED, GOFLAGS
	Timeout      time.Duration
	// GoLine is the cell's go_line axis value: "" keeps the case's go line
	// (the toolchain's language for a case without a go.mod), "toolchain"
	// writes the toolchain's language, "1.22" that version.
	GoLine string
	// Rebuild asks, for a toolchain that reads GOEXPERIMENT only when it
	// is itself built (before go1.17), to build with a copy of it rebuilt
	// with the experiment (see Builder.Variant) instead of ignoring it.
	Rebuild bool
}

// Key identifies the binary a request produces: requests with equal keys
// share one build.
//
// The key covers everything that goes into the binary — the case's
// files, the toolchain (its go command's size and modification time, so
// a toolchain replaced in place is a new one), GOEXPERIMENT, env, tags —
// so a binary built under a key can be reused by later runs.
func (r Request) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "case %s %s %s\ngoroot %s\nversion %s\nexp %s %v\n", r.Case.Dir, r.Case.Hash, r.Case.Package, r.Toolchain.GOROOT, r.Toolchain.Version, r.GOEXPERIMENT, r.Rebuild)
	if r.GoLine != "" {
		fmt.Fprintf(h, "go_line %s\n", r.GoLine)
	}
	if st, err := os.Stat(r.Toolchain.Go()); err == nil {
		fmt.Fprintf(h, "go %d %d\n", st.Size(), st.ModTime().UnixNano())
	}
	env := slices.Clone(r.Env)
	slices.Sort(env)
	for _, kv := range env {
		fmt.Fprintf(h, "env %s\n", kv)
	}
	for _, t := range r.Case.Tags {
		fmt.Fprintf(h, "tag %s\n", t)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// A Result is the outcome of one build.
type Result struct {
	Binary string // path of the built program; "" when the build failed
	GOROOT string // the toolchain that built it (a rebuilt variant's, when Variant is set)
	GoLine string // the go.mod go line the case was built with ("1.26")
	// GoModAdapted says what was changed in the case's go.mod so that an
	// old toolchain can read it ("toolchain line removed").
	GoModAdapted string
	// Modules is how many modules the download step reported, and
	// DownloadMS its wall time: 0 for a case that needs none.
	Modules    int
	DownloadMS float64
	// GoMod is the go.mod the case was built with.
	GoMod string
	// NoTests is set when a test case's package has no test files: go
	// test -c wrote no binary, and there is nothing to run.
	NoTests bool
	// Package is the directory of the package built, relative to Dir
	// ("." or "./errgroup"): a test binary runs there, as go test runs it.
	Package  string
	Command  []string      // the go command that built it (argv)
	Dir      string        // where it ran
	Duration time.Duration // wall time of the build
	CPU      time.Duration // CPU time of the go command and the compilers and linker it ran
	Output   string        // compiler output, bounded
	// Error is "" on success, else one line saying why the build failed:
	// "internal compiler error: …", "unknown GOEXPERIMENT …", "timeout
	// after 10m0s", or the first error the compiler printed.
	Error string
	ICE   bool // the compiler crashed (an internal compiler error)
	// RuntimeVersion is runtime.Version() as recorded in the binary
	// ("go1.26.8-X:preemptibleloops"); Experiments the experiments it
	// names ("preemptibleloops"), empty when none or unknowable.
	RuntimeVersion string
	Experiments    string
	// Variant says when the case was built with a toolchain rebuilt with
	// its GOEXPERIMENT: "go1.13.15 rebuilt with GOEXPERIMENT=preemptibleloops".
	Variant string
	// Cached is set when the binary of an earlier build with the same
	// key was reused instead of running go build.
	Cached bool
}

// stampFile records, beside a binary, the Result that built it; it is
// written last, so a binary with a stamp is whole.
const stampFile = "build.json"

// reuse returns the Result of an earlier successful build in work.
func reuse(work string) (Result, bool) {
	data, err := os.ReadFile(filepath.Join(work, stampFile))
	if err != nil {
		return Result{}, false
	}
	var res Result
	if json.Unmarshal(data, &res) != nil || res.Binary == "" && !res.NoTests {
		return Result{}, false
	}
	if _, err := os.Stat(res.Binary); err != nil && !res.NoTests {
		return Result{}, false
	}
	res.Cached, res.Duration, res.CPU = true, 0, 0
	return res, true
}

// A Builder builds cases under a cache directory: build caches in
// gocache/<version>, binaries and generated modules in builds/<key>.
type Builder struct {
	CacheDir string
	// Net is the user's network settings for downloading modules; builds
	// themselves never reach the network. When it is the zero value,
	// NetFrom, if set, is called once, when a download is first needed
	// (reading the user's go env file starts a go command: a run of cases
	// without dependencies never pays for it).
	Net     deps.Net
	NetFrom func() deps.Net

	netOnce sync.Once
}

// net is the network settings of module downloads.
func (b *Builder) net() deps.Net {
	b.netOnce.Do(func() {
		if reflect.DeepEqual(b.Net, deps.Net{}) && b.NetFrom != nil {
			b.Net = b.NetFrom()
		}
	})
	return b.Net
}

// Build builds r, with go build -p procs when procs > 0 (the scheduler
// gives a build one core when builds share the machine). A failed build
// is a Result with Error set; the error return is only for ctx
// cancellation and I/O failures of the runner.
func (b *Builder) Build(ctx context.Context, r Request, procs int) (Result, error) {
	work := filepath.Join(b.CacheDir, "builds", r.Key())
	if res, ok := reuse(work); ok {
		return res, nil
	}
	res := Result{Dir: r.Case.Dir}
	// Another runner on the same cache may be building this key in the
	// same directory (copying the case, writing go.mod): one at a time,
	// and the later one reuses what the first built.
	release, err := toolchain.LockFile(ctx, filepath.Join(work, ".lock"))
	if err != nil {
		return res, fmt.Errorf("build %s: %w", r.Case.Name, err)
	}
	defer release()
	if res, ok := reuse(work); ok {
		return res, nil
	}
	src, err := b.prepareSource(ctx, &res, r, work)
	if err != nil || res.failed() {
		return res, err
	}
	r, variantExps, err := b.useVariant(ctx, r, &res)
	if err != nil || res.failed() {
		return res, err
	}
	res.GOROOT = r.Toolchain.GOROOT
	bin := filepath.Join(work, modName(r.Case.Name)+exeSuffix(r.Toolchain))
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	res.Command = buildArgs(r, src, procs, tmp)
	if err := b.goBuild(ctx, r, &res); err != nil || res.failed() {
		return res, err
	}
	if err := install(&res, r.Case.Name, tmp, bin); err != nil || res.failed() {
		return res, err
	}
	if res.Experiments == "" {
		// Before go1.17 binaries do not record experiments: the rebuilt
		// compiler's own report is the evidence.
		res.Experiments = variantExps
	}
	if stamp, err := json.Marshal(res); err == nil {
		// Best effort: without a stamp the next run builds again.
		writeAtomic(filepath.Join(work, stampFile), stamp)
	}
	return res, nil
}

// failed reports whether the build failed (Error is set).
func (res *Result) failed() bool { return res.Error != "" }

// useVariant returns r to build with a toolchain rebuilt with its
// GOEXPERIMENT, when r asks for one and its toolchain needs it, and the
// experiments the rebuilt compiler reports. A toolchain that fails to
// rebuild fails the build.
func (b *Builder) useVariant(ctx context.Context, r Request, res *Result) (Request, string, error) {
	if !r.Rebuild || !NeedsVariant(r.Toolchain, r.GOEXPERIMENT) {
		return r, "", nil
	}
	start := time.Now()
	v, exps, err := b.Variant(ctx, r.Toolchain, r.GOEXPERIMENT)
	if err != nil {
		if ctx.Err() != nil {
			return r, "", ctx.Err()
		}
		res.Error, res.Duration = err.Error(), time.Since(start)
		return r, "", nil
	}
	res.Variant = fmt.Sprintf("%s rebuilt with GOEXPERIMENT=%s (%s; its compiler reports X:%s)", r.Toolchain.Version, r.GOEXPERIMENT, b.VariantMethod(r.Toolchain, r.GOEXPERIMENT), exps)
	r.Toolchain = v
	r.GOEXPERIMENT = "" // baked into the rebuilt toolchain
	return r, exps, nil
}

// buildArgs is the go build command (argv) of r in src, writing to out.
func buildArgs(r Request, src *source, procs int, out string) []string {
	args := []string{r.Toolchain.Go(), "build"}
	if r.Case.Kind == matrix.KindTest {
		args = []string{r.Toolchain.Go(), "test", "-c"}
		if r.Case.Test.Race {
			args = append(args, "-race")
		}
	}
	if procs > 0 {
		args = append(args, "-p", strconv.Itoa(procs))
	}
	if src.vendor {
		args = append(args, "-mod=vendor")
	}
	if len(r.Case.Tags) > 0 {
		args = append(args, "-tags", strings.Join(r.Case.Tags, ","))
	}
	return append(args, "-o", out, src.pkg)
}

// goBuild runs res.Command in res.Dir, bounded by r's timeout, and
// records its wall time, CPU time and output.
func (b *Builder) goBuild(ctx context.Context, r Request, res *Result) error {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, res.Command[0], res.Command[1:]...)
	cmd.Dir = res.Dir
	cmd.Env = Env(r, b.CacheDir)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	if cmd.ProcessState != nil {
		// On Linux and macOS the rusage of a process includes the children
		// it waited for: here, every compile and link.
		res.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	res.Output = out.String()
	if err != nil {
		return buildFailure(ctx, r, res, err)
	}
	return nil
}

// buildFailure sets why go build failed with err, or returns an error
// when the runner failed instead: cancelled, or unable to start go.
func buildFailure(ctx context.Context, r Request, res *Result, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		res.Error = fmt.Sprintf("build timeout after %s", r.Timeout)
		return nil
	}
	if cerr := context.Cause(ctx); cerr != nil && ctx.Err() == context.Canceled {
		return cerr
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("build %s with %s: %w", r.Case.Name, r.Toolchain.Version, err)
	}
	res.Error, res.ICE = classify(res.Output)
	res.Error = experimentHint(res.Error, r.GOEXPERIMENT)
	if r.Case.Test.Race && strings.Contains(res.Output, "cgo") {
		res.Error += " (hint: test.race builds with the race detector, which needs cgo and a C compiler such as gcc on PATH)"
	}
	return nil
}

// experimentHint explains an unknown experiment the cell did not name:
// the go command reads a leading "no" as turning an experiment off, so
// GOEXPERIMENT=nosuchexp is reported as the unknown experiment suchexp.
func experimentHint(reason, exps string) string {
	for _, e := range strings.Split(exps, ",") {
		name, ok := strings.CutPrefix(e, "no")
		if ok && strings.HasSuffix(reason, "unknown GOEXPERIMENT "+name) {
			return fmt.Sprintf("%s (hint: GOEXPERIMENT=%s turns experiment %q off, and this toolchain has no experiment %q)", reason, e, name, name)
		}
	}
	return reason
}

// install moves the file go build wrote at tmp to bin and records the
// runtime version and experiments bin names. An archive, written for a
// package that is not main, fails the build.
func install(res *Result, name, tmp, bin string) error {
	if _, err := os.Stat(tmp); errors.Is(err, fs.ErrNotExist) && slices.Contains(res.Command, "-c") {
		// go test -c writes nothing for a package without test files.
		res.NoTests = true
		return nil
	}
	if isArchive(tmp) {
		os.Remove(tmp)
		res.Error = "not a main package: go build wrote a package archive, not a program"
		return nil
	}
	if err := os.Rename(tmp, bin); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	res.Binary = bin
	res.RuntimeVersion, res.Experiments = readExperiments(bin)
	return nil
}

// Env is the environment a build runs in: the toolchain's clean
// environment, the request's env, then GOEXPERIMENT when set.
func Env(r Request, cacheDir string) []string {
	extra := slices.Clone(r.Env)
	if r.Case.Test.Race {
		extra = append(extra, "CGO_ENABLED=1") // the race detector's runtime is cgo
	}
	if r.GOEXPERIMENT != "" {
		extra = append(extra, "GOEXPERIMENT="+r.GOEXPERIMENT)
	}
	return toolchain.Env(r.Toolchain, cacheDir, extra)
}

var (
	reICE        = regexp.MustCompile(`(?m)^.*internal compiler error.*$`)
	reExperiment = regexp.MustCompile(`(?m)^.*unknown GOEXPERIMENT.*$`)
	reNeedsGo    = regexp.MustCompile(`(?m)^.*(requires go >= |go\.mod requires go).*$`)
	// reNote is the note go1.13–go1.20 append to a failed build of a
	// module whose go line is newer than they are: the error before it
	// says what failed, the note why it may have.
	reNote       = regexp.MustCompile(`(?m)^note: module requires Go .*$`)
	reFirstError = regexp.MustCompile(`(?m)^(\S+\.go:\d+(:\d+)?: .*|go: .*|can't load package: .*|package .*|build .*: .*|.*no Go files.*|.*not a main package.*|.*cannot find main module.*|cgo: .*)$`)
	// reProgress matches the go command's progress lines, which say what
	// it is doing, never what went wrong.
	reProgress = regexp.MustCompile(`^go: (downloading|finding|extracting|found|upgraded|added|downgraded) `)
)

// reGOROOTPath matches the way the go command names a file of a cached
// toolchain from the build directory ("../../../toolchains/go1.17.13/").
var reGOROOTPath = regexp.MustCompile(`(\.\./)+(toolchains|variants)/[^/\s]+/`)

// classify turns a failed build's output into a one-line reason.
func classify(out string) (reason string, ice bool) {
	reason, ice = classifyLines(out)
	return reGOROOTPath.ReplaceAllString(reason, "$$GOROOT/"), ice
}

func classifyLines(out string) (reason string, ice bool) {
	if m := reICE.FindString(out); m != "" {
		return strings.TrimSpace(m), true
	}
	out = dropProgress(out)
	note := reNote.FindString(out)
	for _, re := range []*regexp.Regexp{reExperiment, reNeedsGo, reFirstError} {
		if loc := re.FindStringIndex(out); loc != nil {
			return withNote(withContinuation(out[loc[0]:loc[1]], out[loc[1]:]), note), false
		}
	}
	if note != "" {
		return note, false
	}
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	if line == "" {
		line = "go build failed without output"
	}
	return line, false
}

// withNote appends the go command's note, when there is one, in brackets.
func withNote(reason, note string) string {
	if note == "" {
		return reason
	}
	return reason + " (" + note + ")"
}

// withContinuation appends to line the tab-indented lines that follow it
// in rest, which the go command uses to finish a message ("package p
// (test)" then "\timports net/netip: …"), joined with ": ".
func withContinuation(line, rest string) string {
	line = strings.TrimSpace(line)
	next := strings.Split(strings.TrimPrefix(rest, "\n"), "\n")
	for _, l := range next[:min(3, len(next))] {
		if !strings.HasPrefix(l, "\t") {
			break
		}
		line += ": " + strings.TrimSpace(l)
	}
	return line
}

// dropProgress removes the go command's progress lines from out.
func dropProgress(out string) string {
	lines := strings.Split(out, "\n")
	keep := lines[:0]
	for _, l := range lines {
		if !reProgress.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// readExperiments reads the runtime version a binary records and the
// experiments named in its "X:" suffix (" X:" before go1.22, "-X:" since).
func readExperiments(bin string) (version, experiments string) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", ""
	}
	version = bi.GoVersion
	if i := strings.Index(version, "X:"); i >= 0 {
		experiments = version[i+2:]
	}
	for _, s := range bi.Settings {
		if s.Key == "GOEXPERIMENT" && experiments == "" {
			experiments = s.Value
		}
	}
	return version, experiments
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// isArchive reports whether the file at path is a Go package archive
// ("!<arch>\n") rather than an executable.
func isArchive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 8)
	n, _ := io.ReadFull(f, magic)
	return string(magic[:n]) == "!<arch>\n"
}

// copyCase copies a case's files into dir, which is replaced.
func copyCase(c *matrix.Case, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, f := range c.Files {
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(c.Dir, filepath.FromSlash(f)), dst); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var reModChar = regexp.MustCompile(`[^A-Za-z0-9._~-]`)

func modName(name string) string { return reModChar.ReplaceAllString(name, "_") }

func exeSuffix(t toolchain.Toolchain) string {
	if strings.HasSuffix(t.Go(), ".exe") {
		return ".exe"
	}
	return ""
}

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct {
	buf       bytes.Buffer
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.buf.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) String() string {
	if b.truncated {
		return b.buf.String() + "\n[output truncated]"
	}
	return b.buf.String()
}
