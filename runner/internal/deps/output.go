package deps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxOutput bounds the go command's stderr a Result keeps.
const maxOutput = 64 << 10

// boundedBuffer keeps the first and last max/2 bytes written to it: the
// start says what the command was doing, the end why it failed.
type boundedBuffer struct {
	max        int
	head, tail []byte
	dropped    int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max/2 - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head, p = append(b.head, p[:k]...), p[k:]
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - b.max/2; over > 0 {
		b.dropped += over
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	return n, nil
}

func (b *boundedBuffer) String() string {
	if b.dropped == 0 {
		return string(b.head) + string(b.tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes dropped ...]\n%s", b.head, b.dropped, b.tail)
}

// decodeModules reads the stream of JSON objects `go mod download -json`
// prints.
func decodeModules(out []byte) ([]Module, error) {
	var mods []Module
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m Module
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return mods, nil
		}
		if err != nil {
			return mods, fmt.Errorf("decode go mod download -json output: %w", err)
		}
		mods = append(mods, m)
	}
}

// progressRE matches the go command's progress lines (go1.13 prints
// "go: finding path version"), which are not errors.
var progressRE = regexp.MustCompile(`^go: (finding|downloading|extracting) `)

// modLineRE matches a line that starts a module's error, in every form
// the go command has printed since go1.13:
//
//	go: example.com/m@v1.0.0: reading https://…: 404 Not Found
//	go mod download: example.com/m@v1.0.0: …           (go1.17)
//	verifying example.com/m@v1.0.0: checksum mismatch
//	verifying example.com/m@v1.0.0/go.mod: example.com/m@v1.0.0/go.mod: reading …/lookup/…
//	go: example.com/a@v1.0.0 requires
//		example.com/m@v1.0.0: reading …                (the module at fault)
var modLineRE = regexp.MustCompile(`^\s*(?:go(?: mod download)?: )?(?:verifying )?([^\s@]+)@([^\s@:/]+)(?:/go\.mod)?(: | requires$)`)

// goPrefixRE matches the prefix of the go command's error lines.
var goPrefixRE = regexp.MustCompile(`^go(?: mod download)?: `)

// stderrErrors returns the failures the go command's stderr reports:
// blocks of lines, each started by a module's line or a "go: " line.
func stderrErrors(stderr string) []ModuleError {
	var errs []ModuleError
	chain := false // the last line was "go: path@version requires"
	for _, line := range strings.Split(stderr, "\n") {
		if progressRE.MatchString(line) || len(errs) == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		indented := line != strings.TrimLeft(line, " \t")
		m := modLineRE.FindStringSubmatch(line)
		switch {
		case m != nil && indented && chain:
			// The module a "requires" chain ends in is the one at fault.
			e := &errs[len(errs)-1]
			e.Path, e.Version, e.Msg = m[1], m[2], line[len(m[0]):]
		case m != nil && !indented:
			errs = append(errs, ModuleError{Path: m[1], Version: m[2], Msg: line[len(m[0]):]})
		case goPrefixRE.MatchString(line) || len(errs) == 0:
			errs = append(errs, ModuleError{Msg: goPrefixRE.ReplaceAllString(line, "")})
		default:
			errs[len(errs)-1].Msg += "\n" + line
		}
		chain = m != nil && m[3] == " requires"
	}
	return errs
}

// summary returns the first paragraph of the go command's message msg on
// one line ("checksum mismatch; downloaded: h1:…; go.sum: h1:…"), without
// the SECURITY ERROR explanation that follows.
func summary(msg string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(msg), "\n\n")
	var parts []string
	for _, line := range strings.Split(para, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}
