package settings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

const (
	inertD    = "GODEBUG x=1 is inert: go1.20.14's standard library does not read x and ignores it (searched …)"
	inertDOld = "GODEBUG asyncpreemptoff=1 is inert: go1.13.15's runtime does not know asyncpreemptoff and ignores it"
	inertE    = "GOEXPERIMENT=preemptibleloops is inert: go1.16.15 reads GOEXPERIMENT only when the toolchain itself is built, not when it builds a program (goexperiment_rebuild: true rebuilds the toolchain with it)"
	inertE17  = "GOEXPERIMENT=a,b: the binary does not record b (it records \"a\"): the setting matches the toolchain's default and changed nothing"
)

// cell is a cell of case c on go1.20.14 (versions entry ">=1.13"), P=1,
// one run and no host, unless the settings say otherwise ("D=x=1",
// "E=y", "go1.13.15", "P=2", "sel=1.20.14", "linux/arm64",
// "runs=hang:2,complete:3"); any other string is an inert mark.
func cell(outcome string, settings ...string) results.Cell {
	c := results.Cell{Case: "c", Selector: ">=1.13", Go: "go1.20.14", GOMAXPROCS: 1, Outcome: outcome, Runs: 1}
	for _, s := range settings {
		switch {
		case strings.HasPrefix(s, "D="):
			c.GODEBUG = s[2:]
		case strings.HasPrefix(s, "E="):
			c.GOEXPERIMENT = s[2:]
		case strings.HasPrefix(s, "go1"):
			c.Go = s
		case s == "P=2":
			c.GOMAXPROCS = 2
		case strings.HasPrefix(s, "sel="):
			c.Selector = s[4:]
		case strings.HasPrefix(s, "linux/"):
			c.OS = s
		case strings.HasPrefix(s, "runs="):
			c.Counts, c.Runs = map[string]int{}, 0
			for _, kv := range strings.Split(s[5:], ",") {
				o, n, _ := strings.Cut(kv, ":")
				c.Counts[o] = int(n[0] - '0')
				c.Runs += c.Counts[o]
			}
			c.Flaky = len(c.Counts) > 1
		default:
			c.Inert = append(c.Inert, s)
		}
	}
	return c
}

func TestCheckInert(t *testing.T) {
	tests := []struct {
		name  string
		cells []results.Cell
		// want is, per cell, its inert marks after the check and whether
		// it has an InertError containing wantErr.
		wantInert [][]string
		wantErr   []string
	}{
		{
			name:      "outcomes agree: the mark stays",
			cells:     []results.Cell{cell("hang"), cell("hang", "D=x=1", inertD)},
			wantInert: [][]string{nil, {inertD}},
			wantErr:   []string{"", ""},
		},
		{
			name:      "outcomes differ: the mark goes, the error says why",
			cells:     []results.Cell{cell("complete"), cell("hang", "D=x=1", inertD)},
			wantInert: [][]string{nil, nil},
			wantErr:   []string{"", "detection error: GODEBUG x=1 was found unknown to go1.20.14, but the cell hangs while the same cell without it completes: the setting took effect"},
		},
		{
			name:      "a mark in the wording of earlier runners",
			cells:     []results.Cell{cell("complete", "go1.13.15"), cell("hang", "go1.13.15", "D=asyncpreemptoff=1", inertDOld)},
			wantInert: [][]string{nil, nil},
			wantErr:   []string{"", "GODEBUG asyncpreemptoff=1 was found unknown to go1.13.15"},
		},
		{
			name:      "no sibling: unchanged",
			cells:     []results.Cell{cell("complete", "P=2"), cell("complete", "go1.21.13"), cell("complete", "E=y"), cell("complete", "linux/arm64"), cell("hang", "D=x=1", inertD)},
			wantInert: [][]string{nil, nil, nil, nil, {inertD}},
			wantErr:   []string{"", "", "", "", ""},
		},
		{
			name:      "a sibling that did not run says nothing",
			cells:     []results.Cell{cell("skip"), cell("hang", "D=x=1", inertD)},
			wantInert: [][]string{nil, {inertD}},
			wantErr:   []string{"", ""},
		},
		{
			name:      "flaky cells that share an outcome agree",
			cells:     []results.Cell{cell("complete", "runs=complete:4,hang:1"), cell("hang", "D=x=1", "runs=hang:3,complete:2", inertD)},
			wantInert: [][]string{nil, {inertD}},
			wantErr:   []string{"", ""},
		},
		{
			name:      "flaky against steady with no outcome in common",
			cells:     []results.Cell{cell("complete", "runs=complete:5"), cell("hang", "D=x=1", "runs=hang:3,fail:2", inertD)},
			wantInert: [][]string{nil, nil},
			wantErr:   []string{"", "the cell hangs (3/5 runs) while the same cell without it completes (5/5 runs)"},
		},
		{
			name: "only the inert key is removed: compared with the cell keeping the other",
			cells: []results.Cell{
				cell("complete"), cell("hang", "D=gctrace=1"),
				cell("hang", "D=x=1,gctrace=1", "GODEBUG x=1,gctrace=1 is inert: go1.20.14's standard library does not read x and ignores it (…)"),
			},
			wantInert: [][]string{nil, nil, {"GODEBUG x=1,gctrace=1 is inert: go1.20.14's standard library does not read x and ignores it (…)"}},
			wantErr:   []string{"", "", ""},
		},
		{
			name: "the same cell under two versions entries: the one of the same entry",
			cells: []results.Cell{
				cell("hang", "sel=1.20.14"), cell("complete"),
				cell("complete", "D=x=1", inertD), cell("complete", "sel=1.20.14", "D=x=1", inertD),
			},
			wantInert: [][]string{nil, nil, {inertD}, nil},
			wantErr:   []string{"", "", "", "while the same cell without it hangs"},
		},
		{
			name:      "GOEXPERIMENT before go1.17: kept when outcomes agree",
			cells:     []results.Cell{cell("hang", "go1.16.15"), cell("hang", "go1.16.15", "E=preemptibleloops", inertE)},
			wantInert: [][]string{nil, {inertE}},
			wantErr:   []string{"", ""},
		},
		{
			name:      "GOEXPERIMENT before go1.17: removed when they differ",
			cells:     []results.Cell{cell("hang", "go1.16.15"), cell("complete", "go1.16.15", "E=preemptibleloops", inertE)},
			wantInert: [][]string{nil, nil},
			wantErr:   []string{"", "detection error: GOEXPERIMENT=preemptibleloops was found to be ignored by go1.16.15, but the cell completes while the same cell without it hangs: the setting took effect"},
		},
		{
			name:      "GOEXPERIMENT since go1.17: compared with the cell without the unrecorded one",
			cells:     []results.Cell{cell("complete", "E=a"), cell("hang", "E=a,b", inertE17)},
			wantInert: [][]string{nil, nil},
			wantErr:   []string{"", "GOEXPERIMENT=b was found to match go1.20.14's default, but the cell hangs while the same cell without it (GOEXPERIMENT=a) completes"},
		},
		{
			name: "both marks: each judged by its own sibling",
			cells: []results.Cell{
				cell("hang", "go1.16.15"),
				cell("hang", "go1.16.15", "E=preemptibleloops", inertE),
				cell("complete", "go1.16.15", "D=x=1"),
				cell("complete", "go1.16.15", "D=x=1", "E=preemptibleloops", inertD, inertE),
			},
			wantInert: [][]string{nil, {inertE}, nil, {inertE}},
			wantErr:   []string{"", "", "", "detection error: GODEBUG x=1 was found unknown to go1.16.15"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantN := 0
			for _, e := range tt.wantErr {
				if e != "" {
					wantN++
				}
			}
			if n := CheckInert(tt.cells); n != wantN {
				t.Errorf("CheckInert corrected %d cells, want %d", n, wantN)
			}
			for i, c := range tt.cells {
				if !slices.Equal(c.Inert, tt.wantInert[i]) {
					t.Errorf("cell %d (%s): inert %q, want %q", i, c.ID(), c.Inert, tt.wantInert[i])
				}
				if want := tt.wantErr[i]; want == "" && c.InertError != "" || !strings.Contains(c.InertError, want) {
					t.Errorf("cell %d (%s): inert error %q, want it to say %q", i, c.ID(), c.InertError, want)
				}
			}
			// Running it again changes nothing.
			before, _ := json.Marshal(tt.cells)
			if n := CheckInert(tt.cells); n != 0 {
				t.Errorf("second CheckInert corrected %d cells", n)
			}
			if after, _ := json.Marshal(tt.cells); string(after) != string(before) {
				t.Errorf("second CheckInert changed the cells:\n%s\n%s", before, after)
			}
		})
	}
}

// TestPublishedResultsConsistent holds the published results to the
// invariant: no cell in them says a setting was inert while the same
// cell without it had no outcome in common with it.
func TestPublishedResultsConsistent(t *testing.T) {
	path := filepath.Join("..", "..", "..", "results", "results.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no published results: %v", err)
	}
	r, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	cells := slices.Clone(r.Cells)
	for i := range cells {
		cells[i].Inert = slices.Clone(cells[i].Inert)
	}
	marked := 0
	for _, c := range cells {
		marked += len(c.Inert)
	}
	if n := CheckInert(cells); n > 0 {
		for _, c := range cells {
			if c.InertError != "" {
				t.Errorf("%s: %s", c.ID(), c.InertError)
			}
		}
	}
	t.Logf("%d cells, %d inert marks: none contradicted by its sibling", len(cells), marked)
}
