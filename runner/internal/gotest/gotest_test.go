package gotest

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// parse feeds text to a new Parser line by line.
func parse(text string) *Parser {
	p := New()
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		p.Line(sc.Bytes())
	}
	return p
}

// The -test.v output of testdata/x_test.go.txt, captured from go1.13.15
// (a test's log after its result line) and go1.26.8 (before it), gives
// the same tests, outcomes and logs.
func TestParseCaptured(t *testing.T) {
	want := []struct{ name, outcome, output string }{
		{"TestPass", results.TestPass, ""},
		{"TestFail", results.TestFail, "x_test.go:11: wrong: 42"},
		{"TestSub", results.TestFail, ""},
		{"TestSub/ok", results.TestPass, ""},
		{"TestSub/bad", results.TestFail, "x_test.go:15: sub failed"},
		{"TestPar", results.TestPass, ""},
		{"TestPar/p1", results.TestPass, ""},
		{"TestPar/p2", results.TestSkip, "x_test.go:19: skipped"},
	}
	for _, file := range []string{"go1.13.txt", "go1.26.txt"} {
		data, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		tests, outcome, reason := parse(string(data)).Judge(results.Fail, "exit status 1")
		if outcome != results.Fail || reason != "2 tests failed: TestFail, TestSub/bad" {
			t.Errorf("%s: %s %q", file, outcome, reason)
		}
		if len(tests) != len(want) {
			t.Fatalf("%s: %d tests, want %d: %+v", file, len(tests), len(want), tests)
		}
		for i, w := range want {
			got := tests[i]
			if got.Name != w.name || got.Outcome != w.outcome || !strings.Contains(got.Output, w.output) || w.output == "" && got.Outcome == results.TestPass && got.Output != "" {
				t.Errorf("%s: test %d = %+v, want %s %s with output %q", file, i, got, w.name, w.outcome, w.output)
			}
		}
	}
}

func TestJudge(t *testing.T) {
	for _, tt := range []struct {
		name, out, outcome, reason string
		wantOutcome, wantReason    string
	}{
		{"all pass", "=== RUN   TestA\n--- PASS: TestA (0.01s)\nPASS\n", results.Complete, "exit status 0", results.Complete, "exit status 0"},
		{"no tests", "testing: warning: no tests to run\nPASS\n", results.Complete, "exit status 0", results.Skip, "no tests to run"},
		{"hang", "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n=== RUN   TestB/x\n", results.Hang, "timeout after 1s", results.Hang, "timeout while running TestB/x"},
		{"hang in init", "", results.Hang, "timeout after 1s", results.Hang, "timeout while running no test (in the package's init or TestMain)"},
		{"os.Exit(0) before go1.16", "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n", results.Complete, "exit status 0", results.Fail, "TestB did not end: the test binary exited in it (exit status 0)"},
		{"panic", "=== RUN   TestA\n", results.Fail, "exit status 2", results.Fail, "TestA did not end: the test binary exited in it (exit status 2)"},
		{"exit 0 without PASS", "", results.Complete, "exit status 0", results.Fail, "the test binary exited 0 without printing PASS (os.Exit(0) in TestMain or init?)"},
		{"many", strings.Repeat("=== RUN   TestX\n", 0) + "--- FAIL: T1 (0.00s)\n--- FAIL: T2 (0.00s)\n--- FAIL: T3 (0.00s)\n--- FAIL: T4 (0.00s)\n--- FAIL: T5 (0.00s)\n--- FAIL: T6 (0.00s)\n", results.Fail, "exit status 1", results.Fail, "6 tests failed: T1, T2, T3, T4, T5 and 1 more"},
	} {
		_, outcome, reason := parse(tt.out).Judge(tt.outcome, tt.reason)
		if outcome != tt.wantOutcome || reason != tt.wantReason {
			t.Errorf("%s: %s %q, want %s %q", tt.name, outcome, reason, tt.wantOutcome, tt.wantReason)
		}
	}
}

// A test's kept output is bounded, whatever it prints.
func TestOutputBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("=== RUN   TestLoud\n")
	for range 10000 {
		b.WriteString(strings.Repeat("x", 100) + "\n")
	}
	b.WriteString("--- FAIL: TestLoud (1.00s)\n")
	tests := parse(b.String()).Tests()
	if len(tests) != 1 || len(tests[0].Output) > tailBytes || tests[0].ElapsedMS != 1000 {
		t.Errorf("kept %d bytes, elapsed %v", len(tests[0].Output), tests[0].ElapsedMS)
	}
}

func TestDumpDisagrees(t *testing.T) {
	tests := []results.Test{{Name: "TestFine", Outcome: results.TestPass}, {Name: "TestHangs", Outcome: results.TestRunning}, {Name: "TestHangs/forever", Outcome: results.TestRunning}}
	dump := "goroutine 7 [sleep]:\ntime.Sleep(0x34630b8a000)\nexample/hang.TestHangs.func1(0xc000003a40)\n\t/x/x_test.go:10 +0x25\ntesting.tRunner(...)\n"
	if note := DumpDisagrees(tests, dump); note != "" {
		t.Errorf("agreeing dump: %q", note)
	}
	other := "goroutine 7 [select]:\nexample/hang.helper()\n"
	if note := DumpDisagrees(tests, other); note != "the goroutine dump shows no frame of TestHangs, TestHangs/forever" {
		t.Errorf("disagreeing dump: %q", note)
	}
	if DumpDisagrees(tests, "") != "" {
		t.Error("no dump: a note")
	}
}
