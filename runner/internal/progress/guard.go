package progress

import (
	"bytes"
	"io"
	"sync"
	"unicode"
	"unicode/utf8"
)

// A commandGuard writes text that must not be read as a workflow
// command: on GitHub the lines of cells and builds and the claims'
// verdicts, and whatever else the run prints through Writer (the
// toolchain manager's notes, the toolchains that could not be had) —
// plain's Writer too, for a run inside a container on GitHub, which does
// not see GITHUB_ACTIONS but whose output the Actions runner still reads. The Actions runner reads a line as a
// command when, after leading white space, it starts with "::" (or the
// older "##["), on stdout and stderr alike, and a line ends at CR as well
// as LF; such a line gets a leading backslash. The start of a line is
// held only while it could still become one.
type commandGuard struct {
	mu      sync.Mutex
	w       io.Writer
	midLine bool   // the line so far is known not to be a command
	head    []byte // the line so far, held while it could be one
}

func (c *commandGuard) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]byte, 0, len(p)+1)
	for _, b := range p {
		switch {
		case b == '\n' || b == '\r':
			out = append(append(out, c.head...), b)
			c.head, c.midLine = nil, false
		case c.midLine:
			out = append(out, b)
		default:
			c.head = append(c.head, b)
			rest := bytes.TrimLeftFunc(c.head, unicode.IsSpace)
			switch {
			case bytes.HasPrefix(rest, []byte("::")) || bytes.HasPrefix(rest, []byte("##[")):
				out = append(append(out, '\\'), c.head...)
			case !utf8.FullRune(rest) || bytes.HasPrefix([]byte("::"), rest) || bytes.HasPrefix([]byte("##["), rest):
				continue // white space, a rune cut in two, ":" or "##" so far
			default:
				out = append(out, c.head...)
			}
			c.head, c.midLine = nil, true
		}
	}
	_, err := c.w.Write(out)
	return len(p), err
}

// flush writes the start of a line still held.
func (c *commandGuard) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.head) > 0 {
		c.w.Write(c.head)
		c.head, c.midLine = nil, true
	}
}
