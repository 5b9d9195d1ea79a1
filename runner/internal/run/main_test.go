package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// prog is testdata/prog, built once per run of the test binary.
var prog string

func TestMain(m *testing.M) {
	if h := os.Getenv("RUN_TEST_HELPER"); h != "" {
		os.Exit(runHelper(h))
	}
	dir, err := os.MkdirTemp("", "runtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	prog, err = buildProg(dir)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helpers are what the test binary does when re-executed with
// RUN_TEST_HELPER set, by name.
var helpers = map[string]func() int{}

func runHelper(name string) int {
	h, ok := helpers[name]
	if !ok {
		fmt.Fprintln(os.Stderr, "no helper", name)
		return 2
	}
	return h()
}

// buildProg builds testdata/prog with the machine's go command, from a clean
// environment (the machine's go env file may hold flags old toolchains and
// VCS stamping choke on).
func buildProg(dir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, "prog")
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	cmd := exec.Command(goCmd, "build", "-buildvcs=false", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "prog")
	cmd.Env = []string{"GOFLAGS=", "GOENV=off", "GOTOOLCHAIN=local", "GOWORK=off"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build testdata/prog: %v\n%s", err, b)
	}
	return out, nil
}

// spec is a Spec for prog with args, a timeout long enough that a loaded
// machine never reaches it by accident, and an empty environment.
func spec(args ...string) Spec {
	return Spec{Path: prog, Args: args, Timeout: 60 * time.Second}
}

func runCell(t *testing.T, s Spec) Result {
	t.Helper()
	start := time.Now()
	r, err := Cell(context.Background(), s)
	if err != nil {
		t.Fatalf("Cell(%v): %v", s.Args, err)
	}
	t.Logf("%v: %s (%s) in %v (Cell took %v), leftovers %d", s.Args, r.Outcome, r.Reason, r.Duration, time.Since(start), r.Leftovers)
	return r
}

func want(t *testing.T, r Result, outcome, reason string) {
	t.Helper()
	if r.Outcome != outcome || r.Reason != reason {
		t.Errorf("got %s (%s), want %s (%s)\nstdout: %q\nstderr: %q", r.Outcome, r.Reason, outcome, reason, r.Stdout.Head, r.Stderr.Head)
	}
}

func wantCode(t *testing.T, r Result, code int) {
	t.Helper()
	if r.ExitCode == nil || *r.ExitCode != code {
		t.Errorf("exit code %v, want %d (signal %q)", fmtCode(r.ExitCode), code, r.Signal)
	}
}

func fmtCode(c *int) string {
	if c == nil {
		return "nil"
	}
	return strconv.Itoa(*c)
}

func TestExit0(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("exit", "0"))
	want(t, r, results.Complete, "exit status 0")
	wantCode(t, r, 0)
	if r.Stdout.Head != "bye\n" || r.Stdout.Bytes != 4 || r.Stdout.Tail != "" || r.Stdout.Truncated {
		t.Errorf("stdout %+v", r.Stdout)
	}
	if r.CompletedAfter <= 0 || r.CompletedAfter > r.Duration {
		t.Errorf("CompletedAfter %v, Duration %v", r.CompletedAfter, r.Duration)
	}
	if r.Signal != "" || r.FatalLine != "" || r.GoroutineDump != "" || r.Leftovers != 0 {
		t.Errorf("unexpected %+v", r)
	}
	if r.PID <= 0 {
		t.Errorf("PID %d", r.PID)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("exit", "3"))
	want(t, r, results.Fail, "exit status 3")
	wantCode(t, r, 3)
	if r.CompletedAfter != 0 {
		t.Errorf("CompletedAfter %v for a failed cell", r.CompletedAfter)
	}
}

func TestPanic(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("panic"))
	want(t, r, results.Fail, "exit status 2")
	wantCode(t, r, 2)
	if r.FatalLine != "panic: boom" {
		t.Errorf("FatalLine %q", r.FatalLine)
	}
	if !strings.Contains(r.Stderr.Head, "goroutine 1 [running]") {
		t.Errorf("stderr %q", r.Stderr.Head)
	}
	if r.GoroutineDump != "" {
		t.Errorf("GoroutineDump without a timeout: %q", r.GoroutineDump)
	}
}

func TestDeadlock(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("deadlock"))
	want(t, r, results.Fail, "exit status 2")
	if r.FatalLine != "fatal error: all goroutines are asleep - deadlock!" {
		t.Errorf("FatalLine %q", r.FatalLine)
	}
}

func TestNilDeref(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("nilderef"))
	// The runtime turns the SIGSEGV into a panic: exit status 2.
	want(t, r, results.Fail, "exit status 2")
	if r.FatalLine != "panic: runtime error: invalid memory address or nil pointer dereference" {
		t.Errorf("FatalLine %q", r.FatalLine)
	}
	if !strings.Contains(r.Stderr.Head, "[signal SIGSEGV") {
		t.Errorf("stderr %q", r.Stderr.Head)
	}
}

func TestMarker(t *testing.T) {
	t.Parallel()
	hi := regexp.MustCompile(`^hi$`)
	for _, tc := range []struct {
		printTo, matchOn string
		outcome          string
	}{
		{"stdout", "", results.Complete},
		{"stderr", "", results.Complete},
		{"stdout", "stdout", results.Complete},
		{"stderr", "stderr", results.Complete},
		{"stdout", "stderr", results.Hang},
		{"stderr", "stdout", results.Hang},
	} {
		t.Run(tc.printTo+"-"+tc.matchOn, func(t *testing.T) {
			t.Parallel()
			s := spec("marker", tc.printTo)
			s.CompleteOn = hi
			s.CompleteStream = tc.matchOn
			if tc.outcome == results.Hang {
				s.Timeout = time.Second
			}
			r := runCell(t, s)
			if tc.outcome == results.Hang {
				want(t, r, results.Hang, "timeout after 1s")
				return
			}
			want(t, r, results.Complete, `output matched "^hi$"`)
			// The program sleeps for ever: it was killed at once.
			if r.Signal != "SIGKILL" || r.ExitCode != nil {
				t.Errorf("signal %q, exit code %s", r.Signal, fmtCode(r.ExitCode))
			}
			if r.Duration > 20*time.Second {
				t.Errorf("took %v", r.Duration)
			}
			if r.CompletedAfter <= 0 || r.CompletedAfter > r.Duration {
				t.Errorf("CompletedAfter %v, Duration %v", r.CompletedAfter, r.Duration)
			}
			if r.Leftovers != 0 {
				t.Errorf("Leftovers %d", r.Leftovers)
			}
		})
	}
}

// TestMarkerAtEOF: a last line without a newline still counts, and a line
// still in the pipe when the process exits does too.
func TestMarkerAtEOF(t *testing.T) {
	t.Parallel()
	s := spec("print", "stdout", "hi")
	s.CompleteOn = regexp.MustCompile(`^hi$`)
	r := runCell(t, s)
	want(t, r, results.Complete, `output matched "^hi$"`)
	if r.CompletedAfter > r.Duration {
		t.Errorf("CompletedAfter %v > Duration %v", r.CompletedAfter, r.Duration)
	}
}

func TestExit0WithoutMarker(t *testing.T) {
	t.Parallel()
	s := spec("exit", "0")
	s.CompleteOn = regexp.MustCompile(`^never$`)
	r := runCell(t, s)
	want(t, r, results.Fail, `exited 0 without output matching "^never$"`)
	wantCode(t, r, 0)
}

func TestStdinEmpty(t *testing.T) {
	t.Parallel()
	r := runCell(t, spec("stdin"))
	want(t, r, results.Complete, "exit status 0")
	if r.Stdout.Head != "0 <nil>\n" {
		t.Errorf("stdout %q", r.Stdout.Head)
	}
}

func TestEnvAsIs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("os/exec adds SYSTEMROOT on Windows")
	}
	t.Parallel()
	r := runCell(t, spec("env"))
	if r.Stdout.Head != "" {
		t.Errorf("nil Env: got %q, want an empty environment", r.Stdout.Head)
	}
	s := spec("env")
	s.Env = []string{"FOO=bar", "GODEBUG=x=1"}
	r = runCell(t, s)
	if r.Stdout.Head != "FOO=bar\nGODEBUG=x=1\n" {
		t.Errorf("got %q", r.Stdout.Head)
	}
}

func TestStartError(t *testing.T) {
	t.Parallel()
	s := spec()
	s.Path = filepath.Join(t.TempDir(), "missing")
	_, err := Cell(context.Background(), s)
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a start error", err)
	}
	t.Log(err)
}

func TestSpecErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []Spec{
		{},
		{Path: prog},
		{Path: prog, Timeout: time.Second, CompleteStream: "both"},
	} {
		if _, err := Cell(context.Background(), s); err == nil {
			t.Errorf("%+v: no error", s)
		} else {
			t.Log(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Cell(ctx, spec("exit", "0")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

// TestBigOutput: a program that prints 200 MB as fast as it can is read to
// the end with bounded memory, in lines and in one line that never ends.
// Not parallel: it measures the heap of the test process.
func TestBigOutput(t *testing.T) {
	const total = 200 << 20
	for _, linelen := range []int{4096, 0} {
		t.Run(fmt.Sprintf("line%d", linelen), func(t *testing.T) {
			s := spec("spew", strconv.Itoa(total), strconv.Itoa(linelen))
			s.CompleteOn = regexp.MustCompile(`^end$`)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := runCell(t, s)
			runtime.ReadMemStats(&after)
			want(t, r, results.Complete, `output matched "^end$"`)
			o := r.Stdout
			if o.Bytes != total+5 {
				t.Errorf("Bytes %d, want %d", o.Bytes, total+5)
			}
			if len(o.Head) != DefaultOutputLimit || len(o.Tail) != DefaultOutputLimit || !o.Truncated {
				t.Errorf("head %d tail %d truncated %v", len(o.Head), len(o.Tail), o.Truncated)
			}
			if !strings.HasSuffix(o.Tail, "\nend\n") || !strings.HasPrefix(o.Head, "xxxx") {
				t.Errorf("head %q... tail ...%q", o.Head[:8], o.Tail[len(o.Tail)-8:])
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB while reading %d MiB; heap in use %d KiB", alloc>>10, total>>20, after.HeapInuse>>10)
			if alloc > 32<<20 {
				t.Errorf("allocated %d MiB while reading %d MiB of output", alloc>>20, total>>20)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	hi := regexp.MustCompile(`^hi$`)
	code := func(c int) *int { return &c }
	for _, tc := range []struct {
		f               facts
		outcome, reason string
	}{
		{facts{code: code(0)}, results.Complete, "exit status 0"},
		{facts{code: code(1)}, results.Fail, "exit status 1"},
		{facts{signal: "SIGSEGV"}, results.Fail, "killed by SIGSEGV"},
		{facts{}, results.Fail, "killed by a signal"},
		{facts{pattern: hi, code: code(0)}, results.Fail, `exited 0 without output matching "^hi$"`},
		{facts{pattern: hi, code: code(2)}, results.Fail, "exit status 2"},
		{facts{pattern: hi, decided: "marker", signal: "SIGKILL"}, results.Complete, `output matched "^hi$"`},
		{facts{pattern: hi, decided: "marker", code: code(3)}, results.Complete, `output matched "^hi$"`},
		{facts{decided: "timeout", timeout: 2 * time.Second, code: code(2)}, results.Hang, "timeout after 2s"},
		{facts{decided: "timeout", timeout: 1500 * time.Millisecond, signal: "SIGKILL"}, results.Hang, "timeout after 1.5s"},
		{facts{decided: "memory", memLimit: 512 << 20, signal: "SIGKILL"}, results.Fail, "memory limit exceeded (512 MiB)"},
		{facts{decided: "memory", memLimit: 1500 << 10, signal: "SIGKILL"}, results.Fail, "memory limit exceeded (1.5 MiB)"},
		{facts{waitErr: errors.New("boom")}, results.Fail, "wait: boom"},
	} {
		o, r := classify(tc.f)
		if o != tc.outcome || r != tc.reason {
			t.Errorf("classify(%+v) = %s, %q; want %s, %q", tc.f, o, r, tc.outcome, tc.reason)
		}
	}
}

func TestIsFatalLine(t *testing.T) {
	for line, fatal := range map[string]bool{
		"panic: boom": true,
		"fatal error: all goroutines are asleep - deadlock!":     true,
		"runtime: goroutine stack exceeds 1000000000-byte limit": true,
		"SIGSEGV: segmentation violation":                        true,
		"SIGILL: illegal instruction":                            true,
		"unexpected fault address 0x0":                           true,
		"fatal: morestack on g0":                                 true,
		"SIGQUIT: quit":                                          false,
		"goroutine 1 [running]:":                                 false,
		"  panic: indented":                                      false,
		"hello":                                                  false,
		"SIG":                                                    false,
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=": false,
	} {
		if got := isFatalLine([]byte(line)); got != fatal {
			t.Errorf("isFatalLine(%q) = %v", line, got)
		}
	}
}

func TestTrimDump(t *testing.T) {
	for in, out := range map[string]string{
		"SIGQUIT: quit\nPC=0x1 m=0\n\ngoroutine 1 gp=0x1 m=0 [running]:\nmain.main()\n": "goroutine 1 gp=0x1 m=0 [running]:\nmain.main()\n",
		"SIGQUIT: quit\n\ngoroutine 7 [sleep]:\n":                                       "goroutine 7 [sleep]:\n",
		"no dump here\n": "no dump here\n",
		"":               "",
	} {
		if got := trimDump([]byte(in)); got != out {
			t.Errorf("trimDump(%q) = %q, want %q", in, got, out)
		}
	}
}

func TestCapture(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		want   results.Output
	}{
		{nil, results.Output{}},
		{[]string{"ab"}, results.Output{Head: "ab", Bytes: 2}},
		{[]string{"abcd"}, results.Output{Head: "abcd", Bytes: 4}},
		{[]string{"abcde"}, results.Output{Head: "abcd", Tail: "e", Bytes: 5}},
		{[]string{"abcdefgh"}, results.Output{Head: "abcd", Tail: "efgh", Bytes: 8}},
		{[]string{"abcdefghi"}, results.Output{Head: "abcd", Tail: "fghi", Bytes: 9, Truncated: true}},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, results.Output{Head: "abcd", Tail: "ghij", Bytes: 10, Truncated: true}},
		{[]string{"abc", "def", "ghi", "jkl", "mno"}, results.Output{Head: "abcd", Tail: "lmno", Bytes: 15, Truncated: true}},
		{[]string{"abcdef", "ghijklmnopq"}, results.Output{Head: "abcd", Tail: "nopq", Bytes: 17, Truncated: true}},
		{[]string{"abcde", "fg", "hi", "jk"}, results.Output{Head: "abcd", Tail: "hijk", Bytes: 11, Truncated: true}},
		// A gap never leaves half a rune on either side of it...
		{[]string{"abcé", "xxxxxxx", "éz"}, results.Output{Head: "abc", Tail: "xéz", Bytes: 15, Truncated: true}},
		{[]string{"abcd", "é", "xyz"}, results.Output{Head: "abcd", Tail: "xyz", Bytes: 9, Truncated: true}},
		// ...but where head and tail meet the bytes are kept as they are.
		{[]string{"abcé", "z"}, results.Output{Head: "abc\xc3", Tail: "\xa9z", Bytes: 6}},
	} {
		c := capture{limit: 4}
		for _, w := range tc.writes {
			c.write([]byte(w))
		}
		if got := c.output(); got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.writes, got, tc.want)
		}
	}
}

// TestStreamLines feeds a stream by hand: lines across reads, "\r\n",
// lines longer than maxLine, the fatal line before and after our SIGQUIT.
func TestStreamLines(t *testing.T) {
	var matches []string
	s := newStream(nil, 16, regexp.MustCompile(`^(hi|x+)$`), func(time.Time) {}, true)
	at := time.Unix(1, 0)
	feed := func(p string) {
		s.consume([]byte(p), at)
		if !s.matched.IsZero() {
			matches = append(matches, p)
			s.matched = time.Time{}
		}
	}
	feed("h")
	feed("i")
	if len(matches) != 0 {
		t.Fatalf("matched a line before its end")
	}
	feed("\r\n")
	if len(matches) != 1 {
		t.Fatalf("hi\\r\\n split over three reads did not match")
	}
	// A line of maxLine+10 x's: only the first maxLine bytes are kept, and
	// they match.
	long := strings.Repeat("x", maxLine+10)
	feed(long[:maxLine/2])
	feed(long[maxLine/2:] + "\n")
	if len(matches) != 2 || len(s.line) != 0 {
		t.Fatalf("long line: %d matches, line buffer %d", len(matches), len(s.line))
	}
	feed("hello\npanic: first\npanic: second\n")
	if s.fatalLine != "panic: first" {
		t.Errorf("fatal line %q", s.fatalLine)
	}
	if s.capt.total != int64(len("hi\r\n")+len(long)+1+len("hello\npanic: first\npanic: second\n")) {
		t.Errorf("total %d", s.capt.total)
	}

	// After markDump, what the runtime prints answers our SIGQUIT.
	s = newStream(nil, 64, nil, nil, true)
	s.consume([]byte("partial"), at)
	s.markDump()
	s.consume([]byte(" line\nSIGQUIT: quit\npanic: not ours\ngoroutine 1 [running]:\nmain.main()\n"), at)
	if s.fatalLine != "" {
		t.Errorf("fatal line %q after SIGQUIT", s.fatalLine)
	}
	if d := s.dump(); d != "goroutine 1 [running]:\nmain." {
		t.Errorf("dump %q, want the goroutine part of 64 bytes after SIGQUIT", d)
	}
}

func TestResultJSON(t *testing.T) {
	code := 0
	b, err := json.Marshal(Result{
		Outcome: results.Complete, Reason: "exit status 0", ExitCode: &code,
		Duration: time.Millisecond, Stdout: results.Output{Head: "hi\n", Bytes: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"outcome":"complete","reason":"exit status 0","exit_code":0,"duration_ns":1000000,"stdout":{"head":"hi\n","bytes":3},"stderr":{"bytes":0}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

// TestNoGoroutineLeft: Cell leaves no goroutine of its own behind. Not
// parallel: it counts the goroutines of the test process.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	s := spec("marker", "stdout")
	s.CompleteOn = regexp.MustCompile(`^hi$`)
	runCell(t, s)
	runCell(t, spec("exit", "3"))
	s = spec("sleep", "1000")
	s.Timeout = 200 * time.Millisecond
	runCell(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The spawner's goroutine lives for good once started.
		n := runtime.NumGoroutine()
		if n <= before+1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after", before, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
