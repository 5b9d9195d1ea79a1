package explain

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/gover"
)

// Toolchains before these cannot take part: GODEBUG=name=value#PATTERN is
// read by internal/godebug since go1.21; the compiler applies loopvar at
// single loops (GOCOMPILEDEBUG=loopvarhash) from go1.22 on (go1.21 did
// only under GOEXPERIMENT=loopvar).
const (
	MinGODEBUG = "go1.21"
	MinCompile = "go1.22"
)

// CheckToolchain says why toolchain version v cannot bisect c, or nil.
func CheckToolchain(c Change, v string) error {
	switch c.Mode {
	case GODEBUG:
		if gover.Compare(v, MinGODEBUG) < 0 {
			return fmt.Errorf("explain -godebug needs %s or later, and the cell's toolchain is %s: before %s a program reads GODEBUG as a whole,\n"+
				"so a setting cannot be enabled at some call stacks only (GODEBUG=%s#PATTERN)\nhint: explain the same flip on a cell of %s or later",
				MinGODEBUG, v, MinGODEBUG, c.Value, MinGODEBUG)
		}
	case Compile:
		if c.Value != Loopvar {
			return fmt.Errorf("explain -compile %s: explain knows only -compile loopvar, the rewrite the go line turns on\nhint: run golang.org/x/tools/cmd/bisect yourself for other rewrites", c.Value)
		}
		if gover.Compare(v, MinCompile) < 0 {
			return fmt.Errorf("explain -compile loopvar needs %s or later, and the cell's toolchain is %s: its compiler cannot apply per-iteration\n"+
				"loop variables at single loops (GOCOMPILEDEBUG=loopvarhash=PATTERN; go1.21 also needed GOEXPERIMENT=loopvar)\nhint: explain the same flip on a cell of %s or later",
				MinCompile, v, MinCompile)
		}
	default:
		return fmt.Errorf("unknown mode %q", c.Mode)
	}
	return nil
}

// A Setting is one entry of a toolchain's table of GODEBUG settings
// (internal/godebugs).
type Setting struct {
	Name    string
	Package string // the package that reads it ("runtime", "math/rand")
	Changed int    // the minor whose go line changed its default (21: go 1.21)
	Old     string // the value of the behaviour before Changed
}

var reSetting = regexp.MustCompile(`\{Name: "([^"]+)", Package: "([^"]*)"([^}]*)\}`)
var reChanged = regexp.MustCompile(`Changed: (\d+)`)
var reOld = regexp.MustCompile(`Old: "([^"]*)"`)

// ReadSettings reads the GODEBUG settings of the toolchain at goroot;
// nil when it has no table (before go1.21).
func ReadSettings(goroot string) []Setting {
	data, err := os.ReadFile(filepath.Join(goroot, "src", "internal", "godebugs", "table.go"))
	if err != nil {
		return nil
	}
	var out []Setting
	for _, m := range reSetting.FindAllStringSubmatch(string(data), -1) {
		s := Setting{Name: m[1], Package: m[2]}
		if c := reChanged.FindStringSubmatch(m[3]); c != nil {
			s.Changed, _ = strconv.Atoi(c[1])
		}
		if o := reOld.FindStringSubmatch(m[3]); o != nil {
			s.Old = o[1]
		}
		out = append(out, s)
	}
	return out
}

// CheckSetting says why the GODEBUG key cannot be bisected per call stack
// with the toolchain whose settings are table, or nil. Only settings a
// package reads through internal/godebug can: the runtime parses its own
// (panicnil, asyncpreemptoff, gctrace…) and ignores a value with a
// #PATTERN, and the go command's are not the program's.
func CheckSetting(table []Setting, key string) error {
	if table == nil || strings.HasPrefix(key, "#") {
		return nil // no table to tell, or an undocumented setting
	}
	for _, s := range table {
		switch {
		case s.Name != key:
		case s.Package == "runtime":
			return fmt.Errorf("GODEBUG %s is read by the runtime itself, which takes a value as a whole and ignores %s=…#PATTERN:\n"+
				"bisect cannot enable it at some call stacks only, so no source location can be found this way\n"+
				"hint: only settings a package reads through internal/godebug can be bisected (math/rand's randseednop, net/http's, crypto's…)", key, key)
		case strings.HasPrefix(s.Package, "cmd/"):
			return fmt.Errorf("GODEBUG %s is read by %s, not by the program\nhint: only settings the program reads can be bisected", key, s.Package)
		default:
			return nil
		}
	}
	return fmt.Errorf("GODEBUG %s is not in the toolchain's table of settings (internal/godebugs): it is the runtime's own\n"+
		"(asyncpreemptoff, gctrace, …), which the runtime reads as a whole, or not a setting of this toolchain at all;\n"+
		"either way it cannot be enabled at some call stacks only\n"+
		"hint: only settings a package reads through internal/godebug can be bisected", key)
}

// ChangedBetween returns the settings whose default the go line changes
// between lo and hi ("1.21", "1.22"): each as "-godebug name=old".
func ChangedBetween(table []Setting, lo, hi string) []string {
	minor := func(line string) int {
		v := strings.TrimPrefix(gover.Lang(line), "go1.")
		n, _ := strconv.Atoi(v)
		return n
	}
	a, b := minor(lo), minor(hi)
	var out []string
	for _, s := range table {
		if s.Changed > a && s.Changed <= b && s.Old != "" && CheckSetting(table, s.Name) == nil {
			out = append(out, fmt.Sprintf("-godebug %s=%s", s.Name, s.Old))
		}
	}
	return out
}
