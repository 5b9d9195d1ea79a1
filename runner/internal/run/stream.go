package run

import (
	"bytes"
	"os"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// readSize is the size of one read from a pipe. A pipe holds 64 KiB on
// Linux, so one read can empty it.
const readSize = 64 << 10

// A stream reads one output pipe of a cell as the bytes arrive: it keeps a
// bounded head and tail, matches complete lines against CompleteOn, finds
// the runtime's fatal-error line and, after a SIGQUIT, the goroutine dump.
// Its memory is bounded whatever the program prints.
type stream struct {
	f       *os.File
	done    chan struct{} // closed when the reader has stopped and closed f
	limit   int
	re      *regexp.Regexp // nil: no line of this stream completes the cell
	onMatch func(time.Time)
	isErr   bool // stderr: look for the fatal-error line
	lines   func([]byte)

	mu        sync.Mutex
	frozen    bool // stopped: what arrives from now on is dropped
	capt      capture
	line      []byte // the current line, at most maxLine bytes of it
	lineStart int64  // offset in the stream of the current line
	matched   time.Time
	fatalLine string
	dumpFrom  int64 // offset of our SIGQUIT, -1 before
	dumpBuf   []byte
}

func newStream(f *os.File, limit int, re *regexp.Regexp, onMatch func(time.Time), isErr bool) *stream {
	return &stream{
		f:        f,
		done:     make(chan struct{}),
		limit:    limit,
		re:       re,
		onMatch:  onMatch,
		isErr:    isErr,
		capt:     capture{limit: limit},
		dumpFrom: -1,
	}
}

// read reads the pipe until EOF, an error, or stop.
func (s *stream) read() {
	defer close(s.done)
	defer s.f.Close()
	buf := make([]byte, readSize)
	for {
		n, err := s.f.Read(buf)
		now := time.Now()
		s.mu.Lock()
		if !s.frozen {
			if n > 0 {
				s.consume(buf[:n], now)
			}
			if err != nil && len(s.line) > 0 {
				// A last line without a newline is still a line.
				s.endLine(now)
			}
		}
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// stop makes the reader give up: what it had is kept, the rest is dropped.
func (s *stream) stop() {
	s.mu.Lock()
	s.frozen = true
	s.mu.Unlock()
	// Unblocks the Read where the pipe supports deadlines (unix). Elsewhere
	// the reader stays blocked until the last writer is gone, which killing
	// the job object ensures on Windows.
	s.f.SetReadDeadline(time.Now())
}

// wantLines reports whether lines still need to be looked at.
func (s *stream) wantLines() bool {
	return (s.re != nil && s.matched.IsZero()) || (s.isErr && s.fatalLine == "") || s.lines != nil
}

func (s *stream) consume(p []byte, now time.Time) {
	off := s.capt.total
	s.capt.write(p)
	if s.dumpFrom >= 0 {
		if room := s.limit - len(s.dumpBuf); room > 0 {
			s.dumpBuf = append(s.dumpBuf, p[:min(room, len(p))]...)
		}
	}
	for len(p) > 0 && s.wantLines() {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		// Only the first maxLine bytes of a line count: a line that never
		// ends must not grow memory.
		if room := maxLine - len(s.line); room > 0 {
			s.line = append(s.line, seg[:min(room, len(seg))]...)
		}
		if i < 0 {
			return
		}
		s.endLine(now)
		off += int64(i) + 1
		s.lineStart = off
		p = p[i+1:]
	}
}

// endLine looks at the current line and starts the next.
func (s *stream) endLine(now time.Time) {
	line := bytes.TrimSuffix(s.line, []byte("\r"))
	if s.re != nil && s.matched.IsZero() && s.re.Match(line) {
		s.matched = now
		s.onMatch(now)
	}
	if s.isErr && s.fatalLine == "" && (s.dumpFrom < 0 || s.lineStart < s.dumpFrom) && isFatalLine(line) {
		s.fatalLine = string(line)
	}
	if s.lines != nil {
		s.lines(line)
	}
	s.line = s.line[:0]
}

// markDump notes that a SIGQUIT is about to be sent: what follows is the
// goroutine dump.
func (s *stream) markDump() {
	s.mu.Lock()
	s.dumpFrom = s.capt.total
	s.mu.Unlock()
}

func (s *stream) dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return trimDump(s.dumpBuf)
}

func (s *stream) fatal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatalLine
}

func (s *stream) matchedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matched
}

func (s *stream) output() results.Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.capt.output()
}

// A capture keeps the first limit bytes of a stream and the last limit
// bytes after those, and counts them all.
type capture struct {
	limit int
	total int64
	head  []byte
	ring  []byte // the tail, limit bytes once anything goes past head
	pos   int    // where the next tail byte goes in ring
	ringN int64  // bytes that went past head
}

func (c *capture) write(p []byte) {
	c.total += int64(len(p))
	if room := c.limit - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return
	}
	if c.ring == nil {
		c.ring = make([]byte, c.limit)
	}
	c.ringN += int64(len(p))
	if len(p) >= c.limit {
		copy(c.ring, p[len(p)-c.limit:])
		c.pos = 0
		return
	}
	n := copy(c.ring[c.pos:], p)
	if n < len(p) {
		c.pos = copy(c.ring, p[n:])
	} else {
		c.pos = (c.pos + n) % c.limit
	}
}

func (c *capture) output() results.Output {
	o := results.Output{Bytes: c.total}
	head := c.head
	var tail []byte
	switch {
	case c.ringN == 0:
	case c.ringN < int64(c.limit):
		tail = c.ring[:c.ringN]
	default:
		tail = make([]byte, 0, c.limit)
		tail = append(tail, c.ring[c.pos:]...)
		tail = append(tail, c.ring[:c.pos]...)
	}
	if c.ringN > int64(c.limit) {
		// Bytes were dropped between head and tail: do not leave half a
		// UTF-8 sequence at either side of the gap.
		o.Truncated = true
		head = trimPartialEnd(head)
		tail = trimPartialStart(tail)
	}
	o.Head = string(head)
	o.Tail = string(tail)
	return o
}

// trimPartialEnd drops an incomplete UTF-8 sequence at the end of b.
func trimPartialEnd(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if utf8.RuneStart(c) {
			if c >= utf8.RuneSelf && !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// trimPartialStart drops the continuation bytes of a sequence cut at the
// start of b.
func trimPartialStart(b []byte) []byte {
	for i := 0; i < utf8.UTFMax-1 && i < len(b); i++ {
		if utf8.RuneStart(b[i]) {
			return b[i:]
		}
	}
	if len(b) >= utf8.UTFMax-1 {
		return b // not UTF-8 anyway
	}
	return b[len(b):]
}
