package results

import "testing"

func TestCellNames(t *testing.T) {
	for _, tt := range []struct {
		cell         Cell
		id, legacy   string
		settingsName string
	}{
		{Cell{Case: "busyloop", Go: "go1.13.15", GOMAXPROCS: 1},
			"busyloop go1.13.15 P=1", "busyloop go1.13.15 P=1 D=– E=–", "P=1"},
		{Cell{Case: "busyloop", Go: "go1.13.15"},
			"busyloop go1.13.15", "busyloop go1.13.15 P=– D=– E=–", ""},
		{Cell{Case: "busyloop", Go: "go1.14.15", GODEBUG: "asyncpreemptoff=1"},
			"busyloop go1.14.15 D=asyncpreemptoff=1", "busyloop go1.14.15 P=– D=asyncpreemptoff=1 E=–", "D=asyncpreemptoff=1"},
		{Cell{Case: "b", Go: "go1.13.15", GOMAXPROCS: 2, GODEBUG: "x=1", GOEXPERIMENT: "preemptibleloops", GoLineAxis: "1.22"},
			"b go1.13.15 P=2 D=x=1 E=preemptibleloops L=1.22", "b go1.13.15 P=2 D=x=1 E=preemptibleloops L=1.22", "P=2 D=x=1 E=preemptibleloops L=1.22"},
		{Cell{Case: "b", Go: "go1.26.8", GOEXPERIMENT: "x", GoLineAxis: "toolchain"},
			"b go1.26.8 E=x L=toolchain", "b go1.26.8 P=– D=– E=x L=toolchain", "E=x L=toolchain"},
		// No version: the selector names it; a host of merged results last.
		{Cell{Case: "b", Selector: ">=1.30", GOMAXPROCS: 1, OS: "darwin/arm64"},
			"b >=1.30 P=1 [darwin/arm64]", "b >=1.30 P=1 D=– E=– [darwin/arm64]", "P=1"},
		{Cell{Case: "b", Go: "go1.26.8", OS: "linux/amd64"},
			"b go1.26.8 [linux/amd64]", "b go1.26.8 P=– D=– E=– [linux/amd64]", ""},
	} {
		c := tt.cell
		if got := c.ID(); got != tt.id {
			t.Errorf("ID() = %q, want %q", got, tt.id)
		}
		if got := c.LegacyID(); got != tt.legacy {
			t.Errorf("LegacyID() = %q, want %q", got, tt.legacy)
		}
		if got := c.Settings(); got != tt.settingsName {
			t.Errorf("Settings() = %q, want %q", got, tt.settingsName)
		}
		if got := SettingsName(c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLineAxis); got != tt.settingsName {
			t.Errorf("SettingsName = %q, want %q", got, tt.settingsName)
		}
	}
}

// Every combination of settings has a name of its own.
func TestCellNamesUnique(t *testing.T) {
	seen := map[string]Cell{}
	for _, p := range []int{0, 1, 2} {
		for _, d := range []string{"", "x=1"} {
			for _, e := range []string{"", "x=1", "loopvar"} {
				for _, l := range []string{"", "1.22", "toolchain"} {
					c := Cell{Case: "c", Go: "go1.26.8", GOMAXPROCS: p, GODEBUG: d, GOEXPERIMENT: e, GoLineAxis: l}
					if prev, ok := seen[c.ID()]; ok {
						t.Errorf("%+v and %+v are both named %q", prev, c, c.ID())
					}
					seen[c.ID()] = c
				}
			}
		}
	}
}
