package report

import "github.com/gomatrix/gomatrix/runner/internal/results"

// mdMinimums writes, for each case with a go.mod of its own, its declared
// minimum Go beside the observed one (package compat).
func mdMinimums(p *printer, r *results.Results) {
	if len(r.Minimums) == 0 {
		return
	}
	p.printf("## Minimum Go\n\n")
	p.printf("The go line a case's go.mod declares, beside the oldest toolchain from which every newer one of the matrix builds and passes it.\n\n")
	p.printf("| case | declared | observed | oldest tried | verdict | below the observed |\n|---|---|---|---|---|---|\n")
	for _, m := range r.Minimums {
		declared, observed := m.Declared, m.Observed
		if declared == "" {
			declared = "none (1.16)"
		}
		if observed == "" {
			observed = "none: fails on the newest"
		}
		p.printf("| %s | %s | %s | %s | %s | %s |\n", markdownCode(m.Case), MarkdownText(declared), MarkdownText(observed),
			MarkdownText(m.Oldest), MarkdownText(m.Verdict), MarkdownText(m.FirstFailure))
	}
	p.printf("\n")
}
