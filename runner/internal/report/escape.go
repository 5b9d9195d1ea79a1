package report

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every text a report shows that came from a file or a process — case
// names and directories, descriptions, claims, reasons, fatal lines,
// output, goroutine dumps, build output, reproduce commands, selectors,
// GODEBUG and GOEXPERIMENT values, toolchain errors, host names — is
// untrusted: a case can print anything and results.json can come from
// anywhere. Each kind of output has one escaping function, here or next
// to its only user:
//
//	PlainText     one line of a terminal or a log: progress lines, DiffText
//	MarkdownText  inline Markdown: Markdown, DiffMarkdown, the step summary
//	markdownCode  a Markdown code span
//	markdownHTML  text in raw HTML inside Markdown (a <summary>)
//	csvField      a CSV field no spreadsheet runs as a formula
//	xmlSafe       CDATA of JUnit XML (junit.go); encoding/xml escapes the rest
//
// HTML needs none of them: html/template escapes by context, the page's
// script inserts text with textContent only, and a Content-Security-Policy
// backs both (see HTML). JSON is encoding/json's. GitHub's workflow
// commands have theirs in package progress.

// PlainText makes s one line of plain text for a terminal or a log:
// control characters (ESC, NUL, CR, LF, DEL, C1 — not tab), line and
// paragraph separators and bidirectional overrides are written as Go
// escapes ("\x1b", "\n", "\u202e"), invalid UTF-8 as "\xff". So a field
// cannot colour, move the cursor, hide text or start a line of its own —
// which, in a GitHub Actions log, could be a workflow command.
func PlainText(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether PlainText escapes r.
func unsafeRune(r rune) bool {
	switch {
	case r == '\t':
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029',
		r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// lineBreaks joins the lines of s with spaces: a table cell or a list
// item is one line of Markdown.
var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// markdownEscapes make Markdown's inline syntax literal: code spans,
// emphasis, links and images ([…](…), ![…](…)), table pipes,
// strikethrough and math ($), and HTML (tags, comments, entities).
var markdownEscapes = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "$", `\$`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;")

// blockStart matches what would make text that starts a list item a
// heading, a nested list or a thematic break; its last character is the
// one to escape ("#", "-", "+", the "." of "1.").
var blockStart = regexp.MustCompile(`^(?:#|[+-]|[0-9]{1,9}[.)])(?:[ \t]|$)|^-(?:[ \t]*-){2,}[ \t]*$`)

// MarkdownText makes s literal inline Markdown, safe in a table cell, a
// list item or a heading, as GitHub (and any CommonMark renderer) shows
// it: HTML-significant characters become entities, the characters of
// inline syntax are backslash-escaped (so no tag, link, image, code span
// or unescaped table pipe survives), lines are joined with spaces, and
// control characters are escaped as PlainText does.
func MarkdownText(s string) string {
	s = markdownEscapes.Replace(PlainText(lineBreaks.Replace(s)))
	if loc := blockStart.FindStringIndex(s); loc != nil {
		i := strings.IndexAny(s[:loc[1]], "#+-.)") // the marker's own character
		s = s[:i] + `\` + s[i:]
	}
	return s
}

// markdownCode writes s as a Markdown code span, fenced with more
// backticks than s holds in a row. A code span cannot hold a pipe that
// reads the same in a table cell and in prose (GitHub splits table rows
// at any unescaped pipe, even in code, and shows the escape elsewhere),
// so s with a pipe is written as MarkdownText instead.
func markdownCode(s string) string {
	s = PlainText(lineBreaks.Replace(s))
	if s == "" || strings.Contains(s, "|") {
		return MarkdownText(s)
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " " // a renderer strips one space each side
	}
	return fence + s + fence
}

// markdownHTML makes s text inside raw HTML in Markdown, such as a
// <summary>: GitHub parses no Markdown there, so it is HTML-escaped,
// not backslash-escaped, and kept on one line so it cannot end the
// HTML block.
func markdownHTML(s string) string {
	return html.EscapeString(PlainText(lineBreaks.Replace(s)))
}

// plainNumber is a decimal number, which a spreadsheet reads as a number
// and nothing more.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(?:\.[0-9]+)?$`)

// csvField makes s a CSV field that no spreadsheet runs as a formula
// (OWASP's "CSV injection"): a field starting with =, +, -, @, tab or CR
// gets a leading ', unless it is a plain decimal number (an exit code of
// -1), which cannot call anything and stays a number.
func csvField(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}
