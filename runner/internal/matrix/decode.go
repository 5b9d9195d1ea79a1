package matrix

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// An Error is one problem in a matrix or case file, with its position.
type Error struct {
	File      string
	Line, Col int
	Key       string // the key at fault, "versions[2]" style; may be empty
	Msg       string
	Hint      string // what the user can do; may be empty
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n\thint: " + e.Hint)
	}
	return b.String()
}

// ErrorList is every problem found in one file, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// maxErrors bounds how many problems one file reports.
const maxErrors = 20

// decoder walks a yaml.Node tree, collecting errors with positions.
type decoder struct {
	file string
	errs ErrorList
}

func (d *decoder) errorf(n *yaml.Node, key, hint, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	e := &Error{File: d.file, Key: key, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	return d.errs
}

// parseYAML parses data into its root node. A syntax error becomes an
// Error with the line yaml.v3 reports (it gives no column).
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // empty file
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return ErrorList{{File: file, Line: line, Msg: "invalid YAML: " + m[2]}}
	}
	return ErrorList{{File: file, Line: 1, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}}
}

// field is one key: value pair of a mapping.
type field struct {
	key   string
	kNode *yaml.Node
	value *yaml.Node
}

// fields returns the pairs of mapping n, reporting non-mappings, unknown
// keys (not in known) and duplicate keys. prefix names n in messages.
func (d *decoder) fields(n *yaml.Node, prefix string, known []string) []field {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, prefix, "", "want a mapping of keys to values, found %s", kindName(n))
		return nil
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, prefix, "", "want a plain key, found %s", kindName(k))
			continue
		}
		if k.Value == "<<" {
			d.errorf(k, prefix, "write the keys out; merge keys (<<) are not supported", "merge key")
			continue
		}
		name := join(prefix, k.Value)
		if !contains(known, k.Value) {
			d.errorf(k, name, "known keys here: "+strings.Join(known, ", ")+suggest(k.Value, known), "unknown key %q", k.Value)
			continue
		}
		if seen[k.Value] {
			d.errorf(k, name, "", "key %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, field{key: k.Value, kNode: k, value: resolveAlias(v)})
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns ` (did you mean "x"?)` for a key close to a known one.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "an empty value"
		}
		return fmt.Sprintf("%s %q", scalarKind(n), n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func scalarKind(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!int":
		return "the number"
	case "!!float":
		return "the number"
	case "!!bool":
		return "the boolean"
	}
	return "the string"
}

// str decodes a scalar as a string. Numbers are accepted as their text
// ("1.16" in versions is a string to us, whatever YAML thinks).
func (d *decoder) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" && n.Value != "" && n.Value != "~" {
		d.errorf(n, key, "", "want a string, found %s", kindName(n))
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	if strings.ContainsRune(n.Value, 0) {
		d.errorf(n, key, "", "NUL bytes cannot reach a process")
		return "", false
	}
	return n.Value, true
}

// strictStr is str but refuses non-string scalars like booleans (yes/no).
func (d *decoder) strictStr(n *yaml.Node, key string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		d.errorf(n, key, "quote it if you mean the text", "want a string, found %s", kindName(n))
		return "", false
	}
	return d.str(n, key)
}

func (d *decoder) integer(n *yaml.Node, key string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.errorf(n, key, "", "want a whole number, found %s", kindName(n))
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		d.errorf(n, key, "", "want a whole number, found %q", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, key string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n, key, "write true or false", "want a boolean, found %s", kindName(n))
		return false, false
	}
	return n.Value == "true", true
}

var reSize = regexp.MustCompile(`^(\d+)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$`)

// size decodes a byte size such as "512MiB" or "2GiB".
func (d *decoder) size(n *yaml.Node, key string) (int64, bool) {
	const hint = `write a size such as "512MiB" or "2GiB"`
	m := reSize.FindStringSubmatch(strings.TrimSpace(n.Value))
	if n.Kind != yaml.ScalarNode || m == nil {
		d.errorf(n, key, hint, "want a size, found %s", kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	mult := map[string]int64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[m[2]]
	if err != nil || v <= 0 || v > (1<<62)/mult {
		d.errorf(n, key, hint, "size %q is out of range", n.Value)
		return 0, false
	}
	if v*mult < 1<<20 {
		d.errorf(n, key, "a Go program needs a few MiB to start", "size %q is below 1 MiB", n.Value)
		return 0, false
	}
	return v * mult, true
}

// repeat decodes a repeat count, 1 to 1000.
func (d *decoder) repeat(n *yaml.Node, key string) (int, bool) {
	v, ok := d.integer(n, key)
	if ok && (v < 1 || v > 1000) {
		d.errorf(n, key, "", "repeat must be between 1 and 1000, found %d", v)
		return 0, false
	}
	return v, ok
}

func (d *decoder) duration(n *yaml.Node, key string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.errorf(n, key, `write a Go duration such as "500ms", "2s" or "1m30s"`, "want a duration, found %s", kindName(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errorf(n, key, `write a Go duration such as "500ms", "2s" or "1m30s"`, "%q is not a duration", n.Value)
		return 0, false
	}
	if v <= 0 {
		d.errorf(n, key, "", "duration must be positive, found %s", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) regexp(n *yaml.Node, key string) (*regexp.Regexp, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return nil, false
	}
	if s == "" {
		d.errorf(n, key, "", "empty regular expression matches every line")
		return nil, false
	}
	re, err := regexp.Compile(s)
	if err != nil {
		d.errorf(n, key, "the syntax is Go's regexp (RE2); quote the value in single quotes so YAML leaves backslashes alone", "bad regular expression %q: %v", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil, false
	}
	return re, true
}

// seq returns the items of a list; a single scalar is not accepted, so
// that `gomaxprocs: 1` is caught as the likely mistake it is.
func (d *decoder) seq(n *yaml.Node, key string, allowEmpty bool) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, key, fmt.Sprintf("write a list, e.g. %s: [a, b]", lastKey(key)), "want a list, found %s", kindName(n))
		return nil
	}
	if len(n.Content) == 0 && !allowEmpty {
		d.errorf(n, key, "remove the key to use its default, or list at least one value", "empty list: an axis with no values has no cells")
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = resolveAlias(c)
	}
	return items
}

func lastKey(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// env decodes a mapping of environment variables.
func (d *decoder) env(n *yaml.Node, key string) []string {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, key, "write NAME: value pairs", "want a mapping, found %s", kindName(n))
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		name := key + "." + k.Value
		if !validEnvName(k.Value) {
			d.errorf(k, name, "", "%q is not an environment variable name", k.Value)
			continue
		}
		if seen[k.Value] {
			d.errorf(k, name, "", "set twice")
			continue
		}
		seen[k.Value] = true
		if hint, ok := reservedEnv[k.Value]; ok {
			d.errorf(k, name, hint, "%s is set by the runner", k.Value)
			continue
		}
		val, ok := d.str(v, name)
		if !ok {
			continue
		}
		out = append(out, k.Value+"="+val)
	}
	return out
}

// reservedEnv are variables the runner controls, with what to do instead.
var reservedEnv = map[string]string{
	"GOMAXPROCS":   "use the gomaxprocs axis",
	"GODEBUG":      "use the godebug axis",
	"GOEXPERIMENT": "use the goexperiment axis",
	"GOROOT":       "name the GOROOT in versions",
	"GOTOOLCHAIN":  "name the toolchain in versions; the runner always sets GOTOOLCHAIN=local",
	"GOENV":        "set the variables directly under env",
	"PATH":         "the runner puts the toolchain's bin first on the user's PATH",
	"GOCACHE":      "the runner keeps a build cache per toolchain (set GOMATRIX_CACHE to move it)",
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || i > 0 && '0' <= r && r <= '9' {
			continue
		}
		return false
	}
	return true
}
