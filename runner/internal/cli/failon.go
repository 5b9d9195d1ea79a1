package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// defaultFailOn is the policy of run and merge without -fail-on: a claim
// the cells refute, or, with -baseline, a regression. A claim states
// what the matrix expects, as a test does; an outcome alone is an
// observation (a matrix of old releases is full of expected hangs).
const defaultFailOn = "refuted,regression"

// A failCondition is one value of -fail-on: what in the written results
// makes the exit status 1.
type failCondition struct {
	name string
	// claims: the condition is about claims, which a shard's run sees
	// only in part; merge applies it to the whole.
	claims bool
	unit   string // what check counts: "claim", "cell", "regression"
	help   string
	// check returns how many items meet the condition and their names.
	check func(p *failOn, r *results.Results) (int, []string)
}

var failConditions = []failCondition{
	{"refuted", true, "claim", "a claim refuted or holding partly", claimsWith(results.Refuted, results.Partly)},
	{"unstable", true, "claim", "a claim unstable or flaky", claimsWith(results.Unstable, results.Flaky)},
	{"contradicting", true, "cell", "a cell contradicting a claim", contradictingCells},
	{"hang", false, "cell", "a cell that hangs", cellsWith(results.Hang)},
	{"fail", false, "cell", "a cell that fails", cellsWith(results.Fail)},
	{"build-error", false, "cell", "a cell that does not build", cellsWith(results.BuildError)},
	{"regression", false, "regression", "a regression against -baseline, as 'gomatrix diff' counts them", regressions},
}

// failOn is the policy of -fail-on and -baseline, the same flags on run
// and merge: the conditions of the written results that make the exit
// status 1.
type failOn struct {
	conds    []string
	given    bool   // -fail-on was given: the default is replaced
	baseline string // -baseline: the results regressions are counted against
	old      *results.Results
}

// addFailOnFlags adds -fail-on and -baseline to fs.
func addFailOnFlags(fs *flag.FlagSet) *failOn {
	p := &failOn{conds: strings.Split(defaultFailOn, ",")}
	var b strings.Builder
	fmt.Fprintf(&b, "after writing the results, exit with status 1 when they meet one of these comma-separated `conditions`:\n")
	for _, c := range failConditions {
		fmt.Fprintf(&b, "  %-14s %s\n", c.name, c.help)
	}
	fmt.Fprintf(&b, "  %-14s never\n", "none")
	b.WriteString("regression applies only with -baseline; in a -shard run the claim conditions are left to merge")
	fs.Var(p, "fail-on", b.String())
	fs.StringVar(&p.baseline, "baseline", "", "the `results.json` of an earlier run that -fail-on regression compares these results with")
	return p
}

// String is the conditions, as -fail-on takes them.
func (p *failOn) String() string {
	if p.given && len(p.conds) == 0 {
		return "none"
	}
	return strings.Join(p.conds, ",")
}

// Set sets the conditions from a -fail-on value; a second -fail-on adds
// to the first.
func (p *failOn) Set(s string) error {
	if !p.given {
		p.conds, p.given = nil, true
	}
	none := false
	for name := range strings.SplitSeq(s, ",") {
		switch name = strings.TrimSpace(name); {
		case name == "none":
			none = true
		case !slices.ContainsFunc(failConditions, func(c failCondition) bool { return c.name == name }):
			return fmt.Errorf("unknown condition %q (the conditions: %s, none)", name, conditionNames())
		case !slices.Contains(p.conds, name):
			p.conds = append(p.conds, name)
		}
	}
	if none && len(p.conds) > 0 {
		return fmt.Errorf("none goes alone, not with %s", strings.Join(p.conds, ","))
	}
	return nil
}

func conditionNames() string {
	var names []string
	for _, c := range failConditions {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// load checks the flags together and reads the -baseline results, before
// anything runs: their errors are usage errors.
func (p *failOn) load() error {
	regression := slices.Contains(p.conds, "regression")
	switch {
	case p.baseline == "" && regression && p.given:
		return usagef("-fail-on regression: no -baseline to compare with\nhint: -baseline OLD/results.json names the results of an earlier run")
	case p.baseline == "":
		return nil
	case !regression:
		return usagef("-baseline %s: -fail-on %s does not compare with it\nhint: add regression to -fail-on", p.baseline, p)
	}
	old, err := results.Read(p.baseline)
	if err != nil {
		return usagef("-baseline: %v", err)
	}
	p.old = old
	return nil
}

// reasons returns a line for each condition the results r meet, as
// "fail-on hang: 3 cells: busyloop go1.13.15 P=1 D=– E=–, …".
func (p *failOn) reasons(r *results.Results) []string {
	var out []string
	for _, c := range failConditions {
		if !slices.Contains(p.conds, c.name) || c.claims && r.Shard != nil || c.name == "regression" && p.old == nil {
			continue
		}
		if n, items := c.check(p, r); n > 0 {
			what := plural(n, c.unit)
			if c.name == "regression" {
				what += " against " + p.baseline
			}
			out = append(out, fmt.Sprintf("fail-on %s: %s: %s", c.name, what, capList(items, n)))
		}
	}
	return out
}

// apply prints why the results r fail the policy, a line per condition
// met, to w, and returns the error that makes the exit status 1; nil
// when they pass.
func (p *failOn) apply(w io.Writer, r *results.Results) error {
	lines := p.reasons(r)
	if len(lines) == 0 {
		p.noteUncounted(w, r)
		return nil
	}
	for _, l := range lines {
		fmt.Fprintln(w, report.PlainText(l))
	}
	return fmt.Errorf("the results meet %s of -fail-on %s (listed above); they are written\nhint: -fail-on names what fails a run; -fail-on none: nothing does", plural(len(lines), "condition"), p)
}

// noteUncounted says, when the run passes the default policy, which
// failing outcomes it does not count: a test suite whose tests fail
// everywhere must not read as a silent success. A policy the user named
// is theirs: no note.
func (p *failOn) noteUncounted(w io.Writer, r *results.Results) {
	if p.given {
		return
	}
	var uncounted []string
	for _, o := range []string{results.Fail, results.Hang, results.BuildError} {
		n := 0
		for i := range r.Cells {
			if r.Cells[i].Outcome == o {
				n++
			}
		}
		if n > 0 && !slices.Contains(p.conds, o) {
			uncounted = append(uncounted, o)
		}
	}
	if len(uncounted) > 0 {
		fmt.Fprintf(w, "note: exit status 0: -fail-on %s does not count %s cells (-fail-on %s would)\n", p, strings.Join(uncounted, ", "), strings.Join(uncounted, ","))
	}
}

// maxReasonItems is how many items a reason line names.
const maxReasonItems = 5

// capList joins the first items, saying how many of n it leaves out.
func capList(items []string, n int) string {
	shown := items[:min(len(items), maxReasonItems)]
	s := strings.Join(shown, ", ")
	if n > len(shown) {
		s += fmt.Sprintf(", … and %d more", n-len(shown))
	}
	return s
}

// claimsWith returns the check of claims with one of verdicts.
func claimsWith(verdicts ...string) func(*failOn, *results.Results) (int, []string) {
	return func(_ *failOn, r *results.Results) (int, []string) {
		var items []string
		for _, c := range r.Claims {
			if slices.Contains(verdicts, c.Verdict) {
				items = append(items, c.ID+" "+c.Verdict)
			}
		}
		return len(items), items
	}
}

// cellsWith returns the check of cells with outcome.
func cellsWith(outcome string) func(*failOn, *results.Results) (int, []string) {
	return func(_ *failOn, r *results.Results) (int, []string) {
		var items []string
		for i := range r.Cells {
			if r.Cells[i].Outcome == outcome {
				items = append(items, r.Cells[i].ID())
			}
		}
		return len(items), items
	}
}

// contradictingCells names the cells that contradict a claim, with the
// claims.
func contradictingCells(_ *failOn, r *results.Results) (int, []string) {
	var items []string
	for _, u := range report.Unexpected(r) {
		var ids []string
		for _, ref := range u.Claims {
			ids = append(ids, ref.Claim.ID)
		}
		items = append(items, u.Cell.ID()+" ("+strings.Join(ids, ", ")+")")
	}
	return len(items), items
}

// regressions counts the regressions of r against the -baseline results
// as 'gomatrix diff' does, and names them as its text does.
func regressions(p *failOn, r *results.Results) (int, []string) {
	d := report.Diff(p.old, r)
	n := d.Regressions()
	if n == 0 {
		return 0, nil
	}
	var buf bytes.Buffer
	report.DiffText(&buf, d)
	const mark = "[regression]"
	var items []string
	for line := range strings.Lines(buf.String()) {
		if strings.Contains(line, mark) {
			items = append(items, strings.Join(strings.Fields(strings.Replace(line, mark, "", 1)), " "))
		}
	}
	return n, items
}
