package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// JUnit XML, as CI systems read it (the Ant/Jenkins dialect that
// gotestsum, GitLab and the GitHub test-report actions accept).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out"`
	SystemErr *junitText    `xml:"system-err"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitText is output kept as CDATA, so a log reads as it was printed
// rather than with every newline escaped.
type junitText struct {
	Text string `xml:",cdata"`
}

func newJUnitText(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{Text: xmlSafe(s)}
}

// xmlSafe replaces the characters XML 1.0 cannot hold (most control
// characters, as in a coloured log's ESC) with U+FFFD: CDATA is written
// as it is, unlike escaped text.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes r as JUnit XML, with the meaning a go test user expects:
// a cell is a test, and what would fail a test fails it; a claim is an
// assertion about cells, checked in a testsuite of its own.
//
//	testsuite                     a case, in the matrix's order; then "claims"
//	testcase                      a cell, named by version and settings ("go1.13.15
//	                              P=1 D=– E=–", " L=1.22" with a go line axis) so that
//	                              a CI system's history follows it; in a test case
//	                              (kind: test), a test of a cell, classed by the cell's ID
//	complete; a test that passed  passes
//	fail; a test that failed      <failure type="fail">: the reason and fatal line
//	hang                          <failure type="hang">: "timed out after 1s", and
//	                              the tests running then (go test: panic: test timed out)
//	a test running at the end     <failure type="running">: "test timed out after 1s:
//	                              TestX was running", or the test binary exited in it
//	build-error                   <error type="build-error">: the build output
//	skip; a test skipped          <skipped>: why
//	claim holds                   passes
//	claim refuted, partly         <failure type="refuted|partly">: the summary, and the
//	                              cells that contradict it
//	claim untested, flaky,        <skipped>: the verdict (the cells do not settle it)
//	unstable
//
// A cell of a test case that fails or hangs with no test failing (in
// TestMain, between tests) is a testcase of its own beside its tests'
// (see junitTestCases). The tests, failures, errors and skipped of each
// testsuite count its testcases, and those of testsuites all of them; a
// testcase has at most one of failure, error and skipped.
//
// Each cell's system-out describes it (outcome, exit, durations, go
// line, the claims naming it, reproduce command, output excerpts);
// system-err holds the goroutine dump or the build output.
func JUnit(w io.Writer, r *results.Results) error {
	ev := Evidence(r)
	testCase := isTestCase(r)
	suites, order := newJUnitSuites(r)
	suiteMS, totalMS := map[string]float64{}, 0.0
	for i := range r.Cells {
		c := &r.Cells[i]
		if testCase[c.Case] {
			suites[c.Case].add(junitTestCases(c, ev[c.ID()])...)
		} else {
			suites[c.Case].add(junitCaseOf(c, ev[c.ID()]))
		}
		suiteMS[c.Case] += c.DurationMS
		totalMS += c.DurationMS
	}
	all := junitSuites{Name: "gomatrix " + r.Matrix.File, Time: seconds(totalMS)}
	for _, name := range order {
		all.addSuite(suites[name], suiteMS[name], r)
	}
	if len(r.Claims) > 0 {
		all.addSuite(junitClaims(r.Claims), 0, r)
	}
	return writeJUnit(w, all)
}

// addSuite adds s, whose cells took ms, to all, and counts it.
func (all *junitSuites) addSuite(s *junitSuite, ms float64, r *results.Results) {
	s.Time = seconds(ms)
	if !r.Started.IsZero() {
		s.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	s.Properties = junitProperties(r)
	all.Suites = append(all.Suites, *s)
	all.Tests += s.Tests
	all.Failures += s.Failures
	all.Errors += s.Errors
	all.Skipped += s.Skipped
}

// newJUnitSuites returns an empty suite per case, by name, and the names
// in order: the matrix's cases, then those only cells name.
func newJUnitSuites(r *results.Results) (map[string]*junitSuite, []string) {
	suites := map[string]*junitSuite{}
	var order []string
	add := func(name string) {
		if suites[name] == nil {
			suites[name] = &junitSuite{Name: name}
			order = append(order, name)
		}
	}
	for _, c := range r.Matrix.Cases {
		add(c.Name)
	}
	for i := range r.Cells {
		add(r.Cells[i].Case) // a case the matrix record does not list
	}
	return suites, order
}

// add adds tcs to s and counts them.
func (s *junitSuite) add(tcs ...junitCase) {
	for _, tc := range tcs {
		s.Tests++
		if tc.Failure != nil {
			s.Failures++
		}
		if tc.Error != nil {
			s.Errors++
		}
		if tc.Skipped != nil {
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
	}
}

// junitCaseOf is the testcase of cell c, as its outcome says; refs are
// the claims naming it.
func junitCaseOf(c *results.Cell, refs []ClaimRef) junitCase {
	tc := junitCase{
		Classname: c.Case,
		Name:      strings.TrimPrefix(c.ID(), c.Case+" "),
		Time:      seconds(c.DurationMS),
		SystemOut: newJUnitText(cellDescription(c, refs)),
		SystemErr: newJUnitText(firstNonEmpty(c.GoroutineDump, c.BuildOutput)),
	}
	switch c.Outcome {
	case results.Fail:
		tc.Failure = &junitFailure{Message: failMessage(c), Type: c.Outcome, Text: xmlSafe(cellDescription(c, nil))}
	case results.Hang:
		tc.Failure = &junitFailure{Message: timedOut(c) + runningTests(c), Type: c.Outcome, Text: xmlSafe(cellDescription(c, nil))}
	case results.BuildError:
		tc.Error = &junitFailure{Message: orWord(firstLine(c.Reason), "the build failed"), Type: c.Outcome, Text: xmlSafe(c.BuildOutput)}
	case results.Skip:
		tc.Skipped = &junitSkipped{Message: c.Reason}
	}
	return tc
}

// failMessage says in a line why cell c failed: its reason, and the
// fatal line ("panic: boom") when the reason does not hold it.
func failMessage(c *results.Cell) string {
	msg := orWord(firstLine(c.Reason), "failed")
	if c.FatalLine != "" && !strings.Contains(msg, c.FatalLine) {
		msg += ": " + c.FatalLine
	}
	return msg
}

// timedOut says that cell c hung, as go test says it of a test: "test
// timed out after 1s".
func timedOut(c *results.Cell) string {
	if c.TimeoutMS <= 0 {
		return "timed out"
	}
	return "timed out after " + (time.Duration(c.TimeoutMS) * time.Millisecond).String()
}

// runningTests names the tests of cell c still running when it stopped
// (": running TestWait"), or "".
func runningTests(c *results.Cell) string {
	var names []string
	for _, t := range c.Tests {
		if t.Outcome == results.TestRunning {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ": running " + strings.Join(names, ", ")
}

// junitClaims is the suite of the claims: a testcase per claim, as
// junitClaim says.
func junitClaims(claims []results.Claim) *junitSuite {
	s := &junitSuite{Name: "claims"}
	for i := range claims {
		s.add(junitClaim(&claims[i]))
	}
	return s
}

// junitClaim is the testcase of claim cl: a failure when the cells refute
// it or it holds only partly; skipped when they do not settle it
// (untested, flaky, unstable); else it passes. The text says the claim,
// its verdict and the cells that contradict it.
func junitClaim(cl *results.Claim) junitCase {
	tc := junitCase{Classname: "claims", Name: cl.ID + ": " + oneLine(cl.Claim), Time: seconds(0)}
	text := claimText(cl)
	switch cl.Verdict {
	case results.Refuted, results.Partly:
		tc.Failure = &junitFailure{Message: cl.Verdict + ": " + oneLine(cl.Summary), Type: cl.Verdict, Text: xmlSafe(text)}
		return tc
	case results.Untested, results.Flaky, results.Unstable:
		tc.Skipped = &junitSkipped{Message: cl.Verdict + ": " + oneLine(cl.Summary)}
	}
	tc.SystemOut = newJUnitText(text)
	return tc
}

// claimText describes claim cl in plain text: what it says, of which
// cells, what they showed, and the cells that contradict it, are flaky
// or make it unstable.
func claimText(cl *results.Claim) string {
	var b strings.Builder
	fmt.Fprintf(&b, "claim %s: %s\n", cl.ID, cl.Claim)
	if cl.Source != "" {
		fmt.Fprintf(&b, "source: %s\n", cl.Source)
	}
	fmt.Fprintf(&b, "cells: %s\nexpected: %s\nverdict: %s: %s\n", cl.Cells, cl.Expect, cl.Verdict, cl.Summary)
	fmt.Fprintf(&b, "cells as expected: %d; excluded: %d\n", len(cl.Holding), len(cl.Excluded))
	for _, l := range []struct {
		what  string
		lines []string
	}{{"contradicting", cl.Contradicting}, {"flaky", cl.Flaky}, {"unstable", cl.Unstable}} {
		for _, line := range l.lines {
			fmt.Fprintf(&b, "%s: %s\n", l.what, line)
		}
	}
	return b.String()
}

// junitProperties are the properties of every suite of r.
func junitProperties(r *results.Results) []junitProperty {
	props := []junitProperty{
		{"matrix", r.Matrix.File},
		{"host", fmt.Sprintf("%s/%s, %d CPUs", r.Host.GOOS, r.Host.GOARCH, r.Host.CPUs)},
		{"runner", r.Runner},
	}
	if !r.Complete {
		props = append(props, junitProperty{"incomplete", "the run was interrupted: only finished cells are listed"})
	}
	return props
}

// writeJUnit writes the XML document of all.
func writeJUnit(w io.Writer, all junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// cellDescription describes a cell in plain text, for JUnit's
// system-out and failure text.
func cellDescription(c *results.Cell, refs []ClaimRef) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("outcome", c.Outcome)
	line("reason", c.Reason)
	if c.Runs > 1 {
		line("runs", fmt.Sprintf("%d (%s)", c.Runs, countsText(c, " ", ", ")))
	}
	if c.Flaky {
		line("flaky", "the runs disagreed")
	}
	line("exit code", intPtr(c.ExitCode))
	line("signal", c.Signal)
	if c.Runs > 0 {
		line("duration", FormatMS(c.DurationMS))
	}
	if c.CompleteMS != nil {
		line("completed after", FormatMS(*c.CompleteMS))
		if s, ok := results.SpreadOf(c.CompleteTimes()); ok && s.N > 1 {
			line("completed after, over its runs", "median "+s.String())
		}
	}
	if c.SelfMS != nil {
		line("time the program reported", FormatMS(*c.SelfMS))
	}
	line("timing error", c.TimingError)
	line("go line", c.GoLine)
	line("go line axis", c.GoLineAxis)
	line("go.mod adapted", c.GoModAdapted)
	line("runtime version", c.RuntimeVersion)
	line("experiments", c.Experiments)
	line("toolchain variant", c.Variant)
	for _, in := range c.Inert {
		line("inert", in)
	}
	line("settings check", c.InertError)
	line("fatal line", c.FatalLine)
	if c.Leftovers > 0 {
		line("leftover processes killed", fmt.Sprint(c.Leftovers))
	}
	for _, ref := range refs {
		line("claim "+ref.Claim.ID, ref.Role+": "+orWord(ref.Detail, c.Outcome))
	}
	line("reproduce", c.Reproduce)
	if c.Cached {
		line("cached", "taken from the result cache, not run again")
	}
	writeExcerpt(&b, "stdout", c.Stdout)
	writeExcerpt(&b, "stderr", c.Stderr)
	return b.String()
}

// writeExcerpt writes the kept head and tail of a cell's output stream.
func writeExcerpt(b *strings.Builder, name string, o *results.Output) {
	if o == nil || o.Head+o.Tail == "" {
		return
	}
	trunc := ""
	if o.Truncated {
		trunc = ", truncated: head and tail kept"
	}
	fmt.Fprintf(b, "--- %s (%d bytes%s)\n%s", name, o.Bytes, trunc, withNewline(o.Head))
	if o.Tail != "" {
		fmt.Fprintf(b, "[…]\n%s", withNewline(o.Tail))
	}
}

func withNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// seconds formats milliseconds as JUnit's seconds, to the millisecond.
func seconds(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }
