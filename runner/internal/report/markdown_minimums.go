package report

import (
	"fmt"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// mdMinimums writes, for each case with a go.mod of its own, its declared
// minimum Go beside the observed one (package compat).
func mdMinimums(p *printer, r *results.Results) {
	if len(r.Minimums) == 0 {
		return
	}
	p.printf("## Minimum Go\n\n")
	p.printf("The go line a case's go.mod declares, beside the oldest toolchain from which every newer one of the matrix builds and passes it.\n\n")
	p.printf("| case | declared | observed | oldest tried | verdict | below the observed |\n|---|---|---|---|---|---|\n")
	for _, m := range minimumRows(r) {
		p.printf("| %s | %s | %s | %s | %s | %s |\n", markdownCode(m.Case), MarkdownText(m.Declared), MarkdownText(m.Observed),
			MarkdownText(m.Oldest), MarkdownText(m.Verdict), MarkdownText(m.FirstFailure))
	}
	p.printf("\n")
}

// minimumRows are r's minimums as the reports' tables show them: no go
// line as "none (1.16)", no observed minimum as such, and how the
// observed one was found when the matrix left minors untried below it.
func minimumRows(r *results.Results) []results.Minimum {
	rows := make([]results.Minimum, len(r.Minimums))
	for i, m := range r.Minimums {
		if m.Declared == "" {
			m.Declared = "none (1.16)"
		}
		switch {
		case m.Observed == "":
			m.Observed = "none: fails on the newest"
		case len(m.Untried) > 0:
			m.Observed += fmt.Sprintf(" (go%s–go%s untried)", m.Untried[0], m.Untried[len(m.Untried)-1])
		default:
			m.Observed += probesText(m.Case, r.Probes)
		}
		rows[i] = m
	}
	return rows
}

// probesText says which releases outside the matrix were probed to
// locate a case's minimum: " (bisected: go1.18.10 build-error, …)".
func probesText(group string, probes []results.Probe) string {
	var parts []string
	for _, p := range probes {
		if p.Case == group {
			parts = append(parts, p.Go+" "+p.Outcome)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (bisected outside the matrix: " + strings.Join(parts, ", ") + ")"
}
