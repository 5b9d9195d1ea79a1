package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// layoutDoc holds the Layout section.
const layoutDoc = "docs/internals.md"

// The Layout section of docs/internals.md lists every package under
// runner/internal, and nothing that is not there, and shows the same
// picture of the pipeline as package pipeline's doc.
func TestDocsLayout(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(layoutDoc)))
	if err != nil {
		t.Fatal(err)
	}
	layout := section(string(md), "## Layout")
	if layout == "" {
		t.Fatalf("%s has no \"## Layout\" section", layoutDoc)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `runner/internal/([a-z]+)` \\|").FindAllStringSubmatch(layout, -1) {
		listed[m[1]] = true
	}
	dirs, err := os.ReadDir("internal")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !listed[d.Name()] {
			t.Errorf("%s, Layout: no row for runner/internal/%s: add \"| `runner/internal/%s` | what it does |\" to its table", layoutDoc, d.Name(), d.Name())
		}
		delete(listed, d.Name())
	}
	for name := range listed {
		t.Errorf("%s, Layout: a row for runner/internal/%s, which does not exist: remove it", layoutDoc, name)
	}

	doc, err := os.ReadFile(filepath.Join("internal", "pipeline", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	var picture []string
	for _, line := range strings.Split(string(doc), "\n") {
		if s, ok := strings.CutPrefix(line, "//\t"); ok {
			picture = append(picture, s)
		}
	}
	if len(picture) == 0 || !strings.Contains(layout, "```\n"+strings.Join(picture, "\n")+"\n```") {
		t.Errorf("%s, Layout: does not show package pipeline's picture: copy it from runner/internal/pipeline/doc.go into a code block:\n%s", layoutDoc, strings.Join(picture, "\n"))
	}
}

// section returns the text of the Markdown section that starts with
// heading, up to the next heading of its level.
func section(md, heading string) string {
	i := strings.Index(md, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i+len(heading)+2:]
	level := heading[:strings.Index(heading, " ")+1]
	lines := strings.SplitAfter(rest, "\n")
	end := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, level) })
	if end < 0 {
		return rest
	}
	return strings.Join(lines[:end], "")
}
