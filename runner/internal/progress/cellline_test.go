package progress

import (
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A cell's line names it as reports do, gives the fatal line where the
// reason does not, and marks † the settings that did not take effect.
func TestCellLine(t *testing.T) {
	exit2 := 2
	for _, tt := range []struct {
		name string
		cell matrix.Cell
		r    results.Cell
		want string
	}{
		{"unset axes left out", matrix.Cell{GOMAXPROCS: 1},
			results.Cell{Outcome: results.Hang, Reason: "timeout after 1s", Runs: 1},
			"[1/9] hang        busyloop go1.13.15 P=1  timeout after 1s"},
		{"no setting", matrix.Cell{},
			results.Cell{Outcome: results.Hang, Reason: "timeout after 1s", Runs: 1},
			"[1/9] hang        busyloop go1.13.15  timeout after 1s"},
		{"every axis", matrix.Cell{GOMAXPROCS: 2, GODEBUG: "x=1", GOEXPERIMENT: "loopvar", GoLine: "1.22"},
			results.Cell{Outcome: results.Hang, Reason: "timeout after 1s", Runs: 1},
			"[1/9] hang        busyloop go1.13.15 P=2 D=x=1 E=loopvar L=1.22  timeout after 1s"},
		{"deadlock", matrix.Cell{GOMAXPROCS: 1},
			results.Cell{Outcome: results.Fail, Reason: "exit status 2", ExitCode: &exit2, FatalLine: "fatal error: all goroutines are asleep - deadlock!", Runs: 1},
			"[1/9] fail        busyloop go1.13.15 P=1  exit status 2: fatal error: all goroutines are asleep - deadlock!"},
		{"panic", matrix.Cell{GOMAXPROCS: 1},
			results.Cell{Outcome: results.Fail, Reason: "exit status 2", ExitCode: &exit2, FatalLine: "panic: boom", Runs: 1},
			"[1/9] fail        busyloop go1.13.15 P=1  exit status 2: panic: boom"},
		{"inert", matrix.Cell{GOMAXPROCS: 1, GOEXPERIMENT: "preemptibleloops"},
			results.Cell{Outcome: results.Hang, Reason: "timeout after 1s", Runs: 1,
				Inert: []string{"GOEXPERIMENT=preemptibleloops is inert: go1.13.15 reads GOEXPERIMENT only when the toolchain itself is built"}},
			"[1/9] hang        busyloop go1.13.15 P=1 E=preemptibleloops  timeout after 1s † GOEXPERIMENT=preemptibleloops is inert"},
		{"two inert", matrix.Cell{GODEBUG: "asyncpreemptoff=1", GOEXPERIMENT: "x"},
			results.Cell{Outcome: results.Skip, Reason: "go line", Inert: []string{"GODEBUG asyncpreemptoff=1 is inert: why", "GOEXPERIMENT=x is inert: why"}},
			"[1/9] skip        busyloop go1.13.15 D=asyncpreemptoff=1 E=x  go line † GODEBUG asyncpreemptoff=1 is inert; GOEXPERIMENT=x is inert"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cell
			c.Case = &matrix.Case{Name: "busyloop"}
			c.Toolchain = toolchain.Toolchain{Selector: "1.13", Version: "go1.13.15"}
			if got := cellLine(1, 9, &c, &tt.r, false); got != tt.want {
				t.Errorf("cellLine =\n%q\nwant\n%q", got, tt.want)
			}
			// The name is the one the results give the cell.
			r := results.Cell{Case: c.Case.Name, Go: c.Toolchain.Version, GOMAXPROCS: c.GOMAXPROCS, GODEBUG: c.GODEBUG, GOEXPERIMENT: c.GOEXPERIMENT, GoLineAxis: c.GoLine}
			if cellID(&c) != r.ID() {
				t.Errorf("cellID = %q, results name it %q", cellID(&c), r.ID())
			}
		})
	}
}
