package matrix

import (
	"strings"
	"testing"
)

// TestListErrorOrder pins which error an entry of a list gets when it has
// two problems: each list vets its entries in its own order.
func TestListErrorOrder(t *testing.T) {
	src := `versions: ["", "", "./x", "./x", "1.22", " 1.22"]
godebug: [bad, bad, a=1, a=1]
cases: ["[", "[", "", "c/*", "c/*"]
`
	_, err := Parse("m.yaml", []byte(src))
	if err == nil {
		t.Fatal("Parse: no error")
	}
	want := []string{
		`m.yaml:1:12: versions[0]: empty version`,
		`m.yaml:1:16: versions[1]: empty version`,
		`m.yaml:1:20: versions[2]: "./x": a GOROOT path must be absolute`,
		`m.yaml:1:27: versions[3]: duplicate value "./x"`,
		`m.yaml:1:42: versions[5]: duplicate value "1.22"`,
		`m.yaml:2:11: godebug[0]: "bad": "bad" is not a key=value setting`,
		`m.yaml:2:16: godebug[1]: duplicate value "bad"`,
		`m.yaml:2:26: godebug[3]: duplicate value "a=1"`,
		`m.yaml:3:9: cases[0]: bad pattern "[": syntax error in pattern`,
		`m.yaml:3:14: cases[1]: bad pattern "[": syntax error in pattern`,
		`m.yaml:3:19: cases[2]: empty case pattern`,
		`m.yaml:3:30: cases[4]: duplicate value "c/*"`,
	}
	var got []string
	for _, e := range err.(ErrorList) {
		got = append(got, strings.SplitN(e.Error(), "\n", 2)[0])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
