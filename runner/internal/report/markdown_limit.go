package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// StepSummaryLimit is the most GitHub Actions accepts in one step's
// $GITHUB_STEP_SUMMARY: 1 MiB. Larger summaries are refused whole.
const StepSummaryLimit = 1 << 20

// noteReserve is room kept at the end of a cut summary for the note
// saying what was cut.
const noteReserve = 1024

// MarkdownLimited writes r as Markdown (see Markdown) in at most limit
// bytes. A rendering that fits is written unchanged. One that does not
// is cut at the last line that fits, any <details> left open is closed,
// and a note says what was left out — how many lines, the rows of the
// table it fell in, the sections after it — and points to fullReport
// (e.g. "results/index.html and results/results.json") for the rest.
func MarkdownLimited(w io.Writer, r *results.Results, limit int, fullReport string) error {
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		return err
	}
	out := buf.Bytes()
	if len(out) > limit {
		out = cutMarkdown(out, limit, fullReport)
	}
	_, err := w.Write(out)
	return err
}

// cutMarkdown cuts md to at most limit bytes at a line boundary and
// appends a note on what was cut.
func cutMarkdown(md []byte, limit int, fullReport string) []byte {
	keep := max(limit-noteReserve-len(fullReport), 0)
	end := bytes.LastIndexByte(md[:keep], '\n') + 1 // 0 when no whole line fits
	kept, cut := md[:end], string(md[end:])

	// The section the cut fell in, and the sections left out whole.
	section := ""
	for _, line := range strings.Split(string(kept), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = h
		}
	}
	lines := strings.Split(strings.TrimSuffix(cut, "\n"), "\n")
	rows := 0
	var dropped []string
	for _, line := range lines {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			dropped = append(dropped, h)
			continue
		}
		if len(dropped) == 0 && strings.HasPrefix(line, "|") {
			rows++
		}
	}

	var b bytes.Buffer
	b.Write(kept)
	if len(kept) > 0 && !bytes.HasSuffix(kept, []byte("\n\n")) {
		b.WriteString("\n") // end the table or paragraph the cut fell in
	}
	if open := bytes.Count(kept, []byte("<details>")) - bytes.Count(kept, []byte("</details>")); open > 0 {
		b.WriteString(strings.Repeat("</details>\n\n", open))
	}
	var what []string
	if rows > 0 {
		what = append(what, fmt.Sprintf("the last %d rows of %s", rows, orWord(section, "the table")))
	} else if section != "" {
		what = append(what, "the rest of "+section)
	}
	switch len(dropped) {
	case 0:
	case 1:
		what = append(what, "the section "+dropped[0])
	default:
		what = append(what, "the sections "+strings.Join(dropped, ", "))
	}
	note := fmt.Sprintf("> [!WARNING]\n> **Cut to fit %s**: %d of %d lines were left out (%s). ",
		sizeText(limit), len(lines), bytes.Count(md, []byte("\n")), strings.Join(what, "; "))
	if fullReport != "" {
		note += "The full results are in " + MarkdownText(fullReport) + "."
	}
	b.WriteString(note + "\n")
	return b.Bytes()
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// sizeText says a byte limit the way people say it: "1 MiB", "2000 bytes".
func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
