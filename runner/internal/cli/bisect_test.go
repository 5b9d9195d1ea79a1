package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

// releases14 are the releases of the fake proxy: the newest patch of
// each minor is installed, the others are fetched when probed.
var (
	releases14 = strings.Fields("go1.13.15 go1.14.2 go1.14.4 go1.14.7 go1.14.15 go1.15.15 go1.16.15 go1.17.13")
	newest14   = strings.Fields("go1.13.15 go1.14.15 go1.15.15 go1.16.15 go1.17.13")
)

// loopBefore1147 is the article's loop under fake toolchains: it hangs
// before go1.14.7 and prints "hi" from it on.
func loopBefore1147(v, exp string) string {
	if gover.Compare(v, "go1.14.7") < 0 {
		return toolchaintest.Hang
	}
	return toolchaintest.Complete
}

func runBisect(t *testing.T, env *toolchaintest.Env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = (&Env{Stdout: &out, Stderr: &errb, Getenv: env.Getenv}).Main(context.Background(), append([]string{"bisect"}, args...))
	return code, out.String(), errb.String()
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("output lacks %q:\n%s", l, out)
		}
	}
}

func TestBisect(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: loopBefore1147})
	dir := toolchaintest.Case(t, "complete_on: {output: '^hi$'}\n")
	// Flags after the case, settings as key=value and as a flag.
	code, out, stderr := runBisect(t, env, dir, "gomaxprocs=1", "-from", "1.13", "-to", "1.17", "-timeout", "300ms", "-godebug", "asyncpreemptoff=1")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	wantLines(t, out,
		"bisect loop ("+dir+") gomaxprocs=1 godebug=asyncpreemptoff=1: go1.13.15 … go1.17.13, 8 releases in 5 minors; timeout 300ms, 1 run per step",
		"  1  go1.13.15  from   hang                 installed",
		"  2  go1.17.13  to     complete             installed",
		"  5  go1.14.4   patch  hang                 fetched",
		"  6  go1.14.7   patch  complete             fetched",
		"\nlast hang: go1.14.4; first complete: go1.14.7\n",
		"  reproduce go1.14.4 (hang): ",
		"  reproduce go1.14.7 (complete): ",
		"env GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 timeout -s QUIT 0.3 /tmp/loop",
		"6 steps: 6 toolchains, 2 fetched (4 were installed) in ",
	)
	if got := env.Fetches(); !slices.Equal(got, []string{"go1.14.4", "go1.14.7"}) {
		t.Errorf("the proxy served %v", got)
	}
	if strings.Contains(out, "NON-MONOTONE") || strings.Contains(out, "history") {
		t.Errorf("a single flip reported as more:\n%s", out)
	}
}

func TestBisectJSON(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: releases14, Behave: loopBefore1147})
	dir := toolchaintest.Case(t, "")
	code, out, stderr := runBisect(t, env, "-json", "-from", "1.14.2", "-to", "1.16", "-timeout", "300ms", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	var r struct {
		Case     string `json:"case"`
		Mode     string `json:"mode"`
		From, To string
		Steps    []struct{ Version, Outcome string }
		Boundary struct {
			Last, First struct{ Version, Outcome, Reproduce string }
		}
		Fetched []string `json:"fetched"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if r.Case != "loop" || r.Mode != "bisect" || r.From != "go1.14.2" || r.To != "go1.16.15" ||
		r.Boundary.Last.Version != "go1.14.4" || r.Boundary.First.Version != "go1.14.7" || r.Boundary.First.Reproduce == "" {
		t.Errorf("result %+v", r)
	}
	if r.Fetched == nil || len(r.Fetched) != 0 {
		t.Errorf("fetched %v, want [] (everything installed)", r.Fetched)
	}
	// The steps went to stderr.
	wantLines(t, stderr, "go1.14.2   from   hang", "last hang: go1.14.4; first complete: go1.14.7")
}

// The preemptibleloops history, on fake toolchains: the compiler crashes
// on the experiment in go1.17–1.18 and go1.21–1.23.
var (
	releasesExp = strings.Fields("go1.16.15 go1.17.1 go1.17.13 go1.18.10 go1.19.2 go1.19.13 go1.20.14 go1.21.0 go1.21.13 go1.22.12 go1.23.12 go1.24.0 go1.24.13")
	newestExp   = strings.Fields("go1.16.15 go1.17.13 go1.18.10 go1.19.13 go1.20.14 go1.21.13 go1.22.12 go1.23.12 go1.24.13")
)

func crashesOnExperiment(v, exp string) string {
	switch gover.Lang(v) {
	case "go1.17", "go1.18", "go1.21", "go1.22", "go1.23":
		if exp != "" {
			return toolchaintest.BuildError
		}
	}
	return toolchaintest.Complete
}

func TestBisectNonMonotone(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releasesExp, Installed: newestExp, Experiments: []string{"fakeexp"}, Behave: crashesOnExperiment})
	dir := toolchaintest.Case(t, "")

	// A bisection sees the endpoints agree, and says what it cannot see.
	code, out, stderr := runBisect(t, env, dir, "goexperiment=fakeexp", "-from", "1.16", "-to", "1.24")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	wantLines(t, out,
		"no change: every release probed from go1.16.15 to go1.24.13 gave complete",
		"-linear=minors probes the newest patch of every\nminor (7 more toolchains, 0 to fetch), -linear every release (11 more, 4 to fetch).",
		"2 steps: 2 toolchains, 0 fetched",
		// go1.16.15 reads GOEXPERIMENT only when it is itself built.
		"inert† on go1.16.15: GOEXPERIMENT=fakeexp is inert: go1.16.15 reads GOEXPERIMENT only when the toolchain itself is built",
		"hint: -rebuild",
	)

	// Every minor, then the patches of each change: all four located.
	code, out, stderr = runBisect(t, env, dir, "goexperiment=fakeexp", "-from", "1.16", "-to", "1.24", "-linear=minors")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	wantLines(t, out,
		"last complete: go1.16.15; first build-error: go1.17.1\n",
		"history (probed releases): complete go1.16.15 · build-error go1.17.1–go1.18.10 · complete go1.19.2–go1.20.14 · build-error go1.21.0–go1.23.12 · complete go1.24.0–go1.24.13",
		"NON-MONOTONE",
		"also changed: last build-error: go1.18.10; first complete: go1.19.2",
		"also changed: last complete: go1.20.14; first build-error: go1.21.0",
		"also changed: last build-error: go1.23.12; first complete: go1.24.0",
		"internal compiler error: fake crash",
		"13 steps: 13 toolchains, 4 fetched (9 were installed)",
	)
}

// TestBisectSecondChangeSeen: a bisection whose probes straddle a second
// change says so, and how to locate it.
func TestBisectSecondChangeSeen(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releasesExp, Installed: releasesExp, Experiments: []string{"fakeexp"},
		Behave: func(v, exp string) string {
			if gover.Compare(v, "go1.17") < 0 {
				return toolchaintest.Fail
			}
			return crashesOnExperiment(v, exp)
		}})
	dir := toolchaintest.Case(t, "")
	code, out, stderr := runBisect(t, env, dir, "goexperiment=fakeexp", "-from", "1.16", "-to", "1.24")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	wantLines(t, out,
		"last fail: go1.16.15; first build-error: go1.17.1",
		"also changed, between go1.18.10 (build-error) and go1.20.14 (complete): 2 releases between them not probed\n"+
			"  locate it with: go run ./runner bisect "+dir+" goexperiment=fakeexp -from go1.18.10 -to go1.20.14",
	)
}

func TestBisectFlaky(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: releases14, Behave: func(v, exp string) string {
		if v == "go1.14.7" {
			return toolchaintest.Flaky
		}
		return loopBefore1147(v, exp)
	}})
	dir := toolchaintest.Case(t, "")
	code, out, stderr := runBisect(t, env, dir, "-repeat", "3", "-timeout", "300ms", "-from", "1.13", "-to", "1.17")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	wantLines(t, out,
		"timeout 300ms, 3 runs per step",
		"go1.14.7   patch  complete 2/3 (flaky)",
		"last hang: go1.14.4; first complete: go1.14.7",
		"flaky: go1.14.7: complete 2/3 (flaky): its runs disagreed, the majority decided the step; the boundary rests on it: run again with a larger -repeat",
	)
}

func TestBisectEndpointUnavailable(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14[1:], Behave: loopBefore1147, Offline: true})
	dir := toolchaintest.Case(t, "")
	code, out, stderr := runBisect(t, env, dir, "-from", "1.13", "-to", "1.17")
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitFailure, out, stderr)
	}
	wantLines(t, stderr, "gomatrix bisect: -from go1.13.15: endpoint cannot be tried: toolchain unavailable: fetch go1.13.15: not installed, and offline")
}

func TestBisectUsage(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: loopBefore1147, Offline: true})
	dir := toolchaintest.Case(t, "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "gomatrix bisect: no case"},
		{[]string{dir, "procs=1"}, `procs=1: unknown setting "procs"`},
		{[]string{dir, "gomaxprocs=x"}, `gomaxprocs=x: want a whole number`},
		{[]string{dir, "-linear", "minors"}, "hint: write -linear=minors"},
		{[]string{dir, "-gomaxprocs", "2", "gomaxprocs=1"}, "gomaxprocs=1: -gomaxprocs says otherwise"},
		{[]string{dir, "godebug=asyncpreemptoff"}, `godebug "asyncpreemptoff": "asyncpreemptoff" is not a key=value setting`},
		{[]string{dir, "goexperiment=a b"}, `"a b" is not an experiment name`},
		{[]string{dir, dir}, "unexpected argument"},
		{[]string{dir, "-linear=some"}, "want -linear (every release) or -linear=minors"},
		{[]string{dir, "-repeat", "1001"}, "-repeat 1001: want 1 to 1000"},
		{[]string{dir, "-from", "local"}, "-from local: names a toolchain, not a release"},
		{[]string{dir, "-from", "1.17", "-to", "1.13"}, "is not older than -to 1.13"},
		{[]string{"/nonexistent/case"}, "read case /nonexistent/case"},
		{[]string{dir, "-p", "0"}, "-p 0: want at least 1"},
	} {
		code, out, stderr := runBisect(t, env, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("bisect %q: exit %d, stderr:\n%s\nwant exit %d and %q (stdout %s)", tt.args, code, stderr, ExitUsage, tt.want, out)
		}
	}
	code, stdout, stderr := runBisect(t, env, "-h")
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "usage: gomatrix bisect [flags] CASE [key=value...]") || !strings.Contains(stdout, "-linear") {
		t.Errorf("-h: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestBisectInterrupted(t *testing.T) {
	env := toolchaintest.New(t, toolchaintest.Fake{Releases: releases14, Installed: newest14, Behave: loopBefore1147, Offline: true})
	dir := toolchaintest.Case(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := (&Env{Stdout: &out, Stderr: &errb, Getenv: env.Getenv}).Main(ctx, []string{"bisect", dir}); code != ExitInterrupted {
		t.Errorf("exit %d, want %d\n%s%s", code, ExitInterrupted, out.String(), errb.String())
	}
}
