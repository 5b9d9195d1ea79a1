package progress

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
)

// ownCommands are the workflow commands the github reporter writes: its
// groups, and annotations whose properties hold no colon (escaped).
var ownCommands = regexp.MustCompile(`^::(?:group::.*|endgroup::|(?:error|warning) title=[^:]*::.*)$`)

// ownSequences are the terminal sequences the reporters write themselves
// (the live line's erase, colours) and the ones replay writes as a
// toolchain manager's progress bar would.
var ownSequences = regexp.MustCompile(`\r\x1b\[K|\x1b\[[0-9;]*m|\x1b\[1A\x1b\[J`)

// The hostile fixture through every reporter: no line a case or a
// results file made carries a control character, and none is a workflow
// command; the step summary is Markdown that shows only text.
func TestHostileReporters(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		env  map[string]string
	}{
		{name: "plain", o: Options{}},
		{name: "tty", o: Options{IsTTY: true}},
		{name: "github", o: Options{FullReport: "out/<b>[x](y)"}, env: map[string]string{"GITHUB_ACTIONS": "true"}},
		{name: "github-quiet", o: Options{Quiet: true}, env: map[string]string{"GITHUB_ACTIONS": "true"}},
		{name: "json", o: Options{JSON: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, stdout, stderr, env := testOptions(t, tt.o, tt.env)
			summary := env["GITHUB_STEP_SUMMARY"]
			rep := New(o)
			// Text through Writer, as a toolchain error would come (not on
			// a terminal, where nothing reads workflow commands).
			if !o.IsTTY {
				io.WriteString(rep.Writer(), "::add-mask::secret\n  ::error::x\r##[error]y\n\u3000:")
				io.WriteString(rep.Writer(), ":warning::split across writes\n")
			}
			replay(t, rep, reporttest.Hostile())

			own := (*regexp.Regexp)(nil)
			if env["GITHUB_ACTIONS"] == "true" {
				own = ownCommands
			}
			reporttest.CheckLines(t, "stderr", ownSequences.ReplaceAllString(stderr.String(), "\n"), own)
			for _, line := range strings.Split(stderr.String(), "\n") {
				if ownCommands.MatchString(line) && strings.Contains(line, reporttest.FatalLine) {
					t.Errorf("a command carries %q unescaped: %q", reporttest.FatalLine, line)
				}
			}
			if !o.IsTTY && (!strings.Contains(stderr.String(), `\::add-mask::secret`) || !strings.Contains(stderr.String(), `\`+"\u3000::warning::split")) {
				t.Errorf("text through Writer was not neutralised:\n%s", stderr.String())
			}
			if tt.o.JSON {
				for i, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
					if !strings.HasPrefix(line, "{") || !json.Valid([]byte(line)) {
						t.Errorf("stdout line %d is not a JSON event: %q", i+1, line)
					}
				}
			}
			if env["GITHUB_STEP_SUMMARY"] != "" {
				data, err := os.ReadFile(summary)
				if err != nil {
					t.Fatal(err)
				}
				reporttest.CheckMarkdown(t, "step summary", string(data))
			}
		})
	}
}

// The github reporter's escaping of workflow commands: a message cannot
// end its line, a property cannot end its value.
func TestEscapeWorkflowCommandHostile(t *testing.T) {
	if got, want := escapeData(reporttest.FatalLine+"\r\n::add-mask::s\x1b"), `::error::pwned%250A%0D%0A::add-mask::s\x1b`; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty("a::b,c%\n"), "a%3A%3Ab%2Cc%25%0A"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

// Writes that cut a line anywhere neutralise it the same.
func TestCommandGuardSplits(t *testing.T) {
	const in = "ok\n ::error::a\r\n##[warning]b\n#not\n: x\n\u3000::c"
	const want = "ok\n\\ ::error::a\r\n\\##[warning]b\n#not\n: x\n\\\u3000::c"
	for size := 1; size <= len(in); size++ {
		var buf bytes.Buffer
		g := &commandGuard{w: &buf}
		for i := 0; i < len(in); i += size {
			g.Write([]byte(in[i:min(i+size, len(in))]))
		}
		g.flush()
		if buf.String() != want {
			t.Errorf("writes of %d bytes: %q, want %q", size, buf.String(), want)
		}
	}
}
