package toolchain

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// A hintError is a one-line failure plus what the user can do about it.
// Its text is the line, then "\nhint: " and the hint: the form
// Toolchain.Error carries into results.
type hintError struct {
	msg  string // one line: what failed, for which version, from which source
	hint string // may be empty
	err  error  // the cause, for errors.Is/As; its text is already in msg
}

func (e *hintError) Error() string {
	if e.hint == "" {
		return e.msg
	}
	return e.msg + "\nhint: " + e.hint
}

func (e *hintError) Unwrap() error { return e.err }

// withHint returns a hintError whose line is format's and whose cause is the
// last %w argument, if any.
func withHint(hint string, err error, format string, args ...any) error {
	return &hintError{msg: oneLine(fmt.Sprintf(format, args...)), hint: hint, err: err}
}

// hintOf returns the hint err carries, if any.
func hintOf(err error) string {
	var h *hintError
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

// lineOf returns the first line of err's text: the part without the hint.
func lineOf(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\nhint: ")
	return oneLine(line)
}

// errorText renders err as Toolchain.Error wants it: one line, and a
// "hint:" line if err has a hint.
func errorText(err error) string {
	line := lineOf(err)
	if h := hintOf(err); h != "" {
		return line + "\nhint: " + h
	}
	return line
}

// oneLine folds s onto one line, so that a multi-line cause (a server's
// error page, a wrapped hintError) never breaks the one-line rule.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(f, "; ")
}

// An httpError is a non-200 answer from a server.
type httpError struct {
	URL    string
	Status int
	Text   string // status line text, e.g. "404 Not Found"
}

func (e *httpError) Error() string { return e.Text }

// isNotFound reports whether err is a 404 or 410: the answers after which
// a ","-separated GOPROXY entry falls through to the next one.
func isNotFound(err error) bool {
	var h *httpError
	return errors.As(err, &h) && (h.Status == 404 || h.Status == 410)
}

// isNetwork reports whether err is a failure to reach a server at all
// (DNS, refused connection, timeout), as opposed to an answer.
func isNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de) || (errors.As(err, &ne) && ne.Timeout())
}

// errOffline is the cause of every fetch refused because GOMATRIX_OFFLINE
// is set.
var errOffline = errors.New("offline (GOMATRIX_OFFLINE is set)")

// A checksumError is a download whose content differs from what the
// checksum database or the .sha256 file says it must be.
type checksumError struct {
	got, want string // "h1:…" or "sha256:…"
	authority string // "the checksum database sum.golang.org", "…tar.gz.sha256"
}

func (e *checksumError) Error() string {
	return fmt.Sprintf("checksum mismatch: downloaded %s, %s says %s", e.got, e.authority, e.want)
}

// hintFor returns the hint for a fetch that failed with err from a source
// (proxy or dl) for version v.
func hintFor(err error, source, v string) string {
	var ce *checksumError
	switch {
	case errors.Is(err, errOffline):
		return "unset GOMATRIX_OFFLINE, or fetch it while online: 'gomatrix toolchains fetch " + strings.TrimPrefix(v, "go") + "'"
	case errors.As(err, &ce):
		if source == "dl" {
			return "SECURITY: the archive differs from its published .sha256; retry, and if it persists distrust the server at GOMATRIX_DL_BASE"
		}
		return "SECURITY: the proxy served a file the checksum database does not know; do not use this GOPROXY, and report it"
	case isDiskFull(err):
		return "free disk space, or set GOMATRIX_CACHE to a larger disk; 'gomatrix toolchains prune -all' removes cached toolchains"
	case isNotFound(err):
		if source == "dl" {
			return "the server has no such archive for this platform; check the version, or GOMATRIX_DL_BASE"
		}
		return "the proxy does not serve " + v + " for this platform (it holds only some patch releases); 'gomatrix versions all' lists what it has"
	case isNetwork(err):
		if source == "dl" {
			return "check the network or GOMATRIX_DL_BASE; drop dl from GOMATRIX_SOURCES where dl.google.com is unreachable"
		}
		return "check the network or GOPROXY; a run with GOMATRIX_OFFLINE=1 uses installed toolchains only"
	}
	var he *httpError
	if errors.As(err, &he) && he.Status >= 500 {
		return "the server failed; retry later, or add a fallback proxy with \"|\" (GOPROXY=https://a|https://b)"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "truncated") ||
		strings.Contains(err.Error(), "invalid module zip") || strings.Contains(err.Error(), "damaged archive") {
		return "the download is damaged or truncated; retry, and if it persists use another GOPROXY"
	}
	return ""
}
