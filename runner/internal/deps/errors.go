package deps

import (
	"fmt"
	"regexp"
	"strings"
)

// Kinds of module failure, derived from the go command's error text.
const (
	// KindNotFound: the proxy (or origin) has no such module version:
	// 404/410, "unknown revision", "invalid version".
	KindNotFound = "not found"
	// KindGoSum: the module downloaded does not match the case's go.sum.
	KindGoSum = "go.sum mismatch"
	// KindSumDB: the module downloaded does not match what the checksum
	// database vouches for.
	KindSumDB = "checksum database mismatch"
	// KindPrivate: the checksum database does not know the module,
	// which is what it says of a private one.
	KindPrivate = "unknown to checksum database"
	// KindOffline: the step is offline and the module cache lacks it.
	KindOffline = "not in module cache"
	// KindError: anything else.
	KindError = "error"
)

// Error is a failed download step: one entry per failed module.
type Error struct {
	// Dir is the module directory the step ran in.
	Dir     string
	Modules []ModuleError
}

// A ModuleError is one module a download step could not provide.
type ModuleError struct {
	// Path and Version name the module; both are empty for a failure
	// the go command did not tie to a module (a bad go.mod, say).
	Path, Version string
	// Source is where the module was to come from: a GOPROXY URL,
	// "direct", or SourceOffline.
	Source string
	// Kind is one of the Kind constants.
	Kind string
	// Msg is the go command's message, on one line.
	Msg string
	// Hint is a one-line suggestion of what to do.
	Hint string
}

// Error returns one line naming the first failed module, its version,
// source and what went wrong, and how many more failed. Offline, it
// names every missing module, since all of them are needed.
func (e *Error) Error() string {
	if len(e.Modules) == 0 {
		return "download modules in " + e.Dir + ": failed"
	}
	s := e.Modules[0].String()
	if len(e.Modules) == 1 {
		return s
	}
	more := fmt.Sprintf(" (and %d more)", len(e.Modules)-1)
	if e.Modules[0].Kind == KindOffline {
		var names []string
		for _, m := range e.Modules[1:] {
			names = append(names, m.Path+"@"+m.Version)
		}
		more = fmt.Sprintf(" (and %d more: %s)", len(names), strings.Join(names, ", "))
	}
	return s + more
}

// Hint returns a one-line hint for the first failed module.
func (e *Error) Hint() string {
	if len(e.Modules) == 0 {
		return hint(ModuleError{Kind: KindError})
	}
	return e.Modules[0].Hint
}

// Details returns one line per failed module, each with its hint.
func (e *Error) Details() string {
	var b strings.Builder
	for _, m := range e.Modules {
		fmt.Fprintf(&b, "%s\n\thint: %s\n", m.String(), m.Hint)
	}
	return b.String()
}

// String returns the module's failure on one line.
func (m ModuleError) String() string {
	if m.Path == "" {
		return fmt.Sprintf("download modules: %s: %s", m.Kind, m.Msg)
	}
	return fmt.Sprintf("download %s@%s from %s: %s: %s", m.Path, m.Version, m.Source, m.Kind, m.Msg)
}

// goSumRE matches the go.sum line of a checksum mismatch report, as
// against the "<checksum database name>:" line of a database mismatch.
var goSumRE = regexp.MustCompile(`(?m)^\s*go\.sum:`)

// classify returns the Kind of the go command's error text msg.
func classify(msg string) string {
	switch {
	case strings.Contains(msg, "disabled by GOPROXY=off"):
		return KindOffline
	case strings.Contains(msg, "checksum mismatch") && goSumRE.MatchString(msg):
		return KindGoSum
	case strings.Contains(msg, "checksum mismatch") || strings.Contains(msg, "SECURITY ERROR"):
		return KindSumDB
	// Before not found: the database answers 404/410 for a module it
	// cannot fetch, with "invalid version" in its response.
	case strings.Contains(msg, "/lookup/") && (strings.Contains(msg, ": 404 ") || strings.Contains(msg, ": 410 ")):
		return KindPrivate
	// Some proxies refuse a version they do not serve with 403 ("This
	// module version is not available"), not 404.
	case strings.Contains(msg, ": 404 Not Found"), strings.Contains(msg, ": 410 Gone"), strings.Contains(msg, ": 403 Forbidden"),
		strings.Contains(msg, "unknown revision"), strings.Contains(msg, "invalid version"):
		return KindNotFound
	}
	return KindError
}

// hint returns the one-line hint for m.
func hint(m ModuleError) string {
	switch m.Kind {
	case KindNotFound:
		return fmt.Sprintf("check that %s exists (go list -m -versions %s); for a private module, set GOPRIVATE=%s", m.Version, m.Path, m.Path)
	case KindGoSum:
		return fmt.Sprintf("the case's go.sum line for %s@%s disagrees with what the proxy and checksum database serve: fix go.sum (remove the line, then go mod tidy), or the proxy served a tampered module", m.Path, m.Version)
	case KindSumDB:
		return fmt.Sprintf("%s served %s@%s with content the checksum database does not vouch for: the proxy or the module was tampered with; do not use it", m.Source, m.Path, m.Version)
	case KindPrivate:
		return fmt.Sprintf("the checksum database cannot see %s, as for a private module: set GOPRIVATE=%s (or GONOSUMDB)", m.Path, m.Path)
	case KindOffline:
		return "run once without -offline (or with GOPROXY set) to fill the module cache"
	}
	return "run go mod download -json in the case's module directory to see the go command's full output"
}
