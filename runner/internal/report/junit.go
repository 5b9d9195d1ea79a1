package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

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

// JUnit writes r as JUnit XML: a testsuite per case (in the matrix's
// order), a testcase per cell named by its version and settings
// ("go1.13.15 P=1 D=– E=–", then " L=1.22" with a go line axis), so a
// CI system's history follows a cell from run to run. A cell that
// contradicts a claim is a failure whose message names the claim and
// what the cell did, and whose text is the evidence; a skip cell is
// skipped with its reason; every other cell passes, whatever its
// outcome, since outcomes are observations — only a claim says what was
// expected. Each testcase's system-out describes the cell (outcome,
// exit, durations, go line, reproduce command, output excerpts);
// system-err holds the goroutine dump or the build output.
//
// A test case's tests say themselves what was expected, so its cells are
// written as junitTestCases says: a testcase per test per cell.
func JUnit(w io.Writer, r *results.Results) error {
	ev := Evidence(r)
	testCase := isTestCase(r)
	suites, order := newJUnitSuites(r)
	totalMS := 0.0
	suiteMS := map[string]float64{}
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
		s := suites[name]
		s.Time = seconds(suiteMS[name])
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
	return writeJUnit(w, all)
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

// junitCaseOf is the testcase of cell c; refs are the claims naming it.
func junitCaseOf(c *results.Cell, refs []ClaimRef) junitCase {
	tc := junitCase{
		Classname: c.Case,
		Name:      strings.TrimPrefix(c.ID(), c.Case+" "),
		Time:      seconds(c.DurationMS),
		SystemOut: newJUnitText(cellDescription(c, refs)),
		SystemErr: newJUnitText(firstNonEmpty(c.GoroutineDump, c.BuildOutput)),
	}
	if f := junitFailureOf(c, refs); f != nil {
		tc.Failure = f
	} else if c.Outcome == results.Skip {
		tc.Skipped = &junitSkipped{Message: c.Reason}
	}
	return tc
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

// junitFailureOf is the failure of a cell that contradicts a claim, or nil.
func junitFailureOf(c *results.Cell, refs []ClaimRef) *junitFailure {
	var msgs []string
	var text strings.Builder
	for _, ref := range refs {
		if ref.Role != Contradicting {
			continue
		}
		cl := ref.Claim
		msgs = append(msgs, fmt.Sprintf("contradicts claim %s (expected %s): %s", cl.ID, cl.Expect, orWord(ref.Detail, c.Outcome)))
		fmt.Fprintf(&text, "claim %s: %s\n", cl.ID, cl.Claim)
		if cl.Source != "" {
			fmt.Fprintf(&text, "source: %s\n", cl.Source)
		}
		fmt.Fprintf(&text, "cells: %s\nexpected: %s\nthis cell: %s\nverdict: %s: %s\n\n", cl.Cells, cl.Expect, orWord(ref.Detail, c.Outcome), cl.Verdict, cl.Summary)
	}
	if len(msgs) == 0 {
		return nil
	}
	return &junitFailure{Message: strings.Join(msgs, "; "), Type: "contradicts-claim", Text: xmlSafe(text.String() + cellDescription(c, nil))}
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
	excerpt := func(name string, o *results.Output) {
		if o == nil || o.Head+o.Tail == "" {
			return
		}
		trunc := ""
		if o.Truncated {
			trunc = ", truncated: head and tail kept"
		}
		fmt.Fprintf(&b, "--- %s (%d bytes%s)\n%s", name, o.Bytes, trunc, withNewline(o.Head))
		if o.Tail != "" {
			fmt.Fprintf(&b, "[…]\n%s", withNewline(o.Tail))
		}
	}
	excerpt("stdout", c.Stdout)
	excerpt("stderr", c.Stderr)
	return b.String()
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
