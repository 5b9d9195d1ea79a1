package toolchain

import (
	"errors"
	"strings"
	"testing"
)

// avail is a list shaped like the proxy's: some patches, pre-releases,
// pre-1.21 minors without ".0", unsorted, with and without "go".
var avail = []string{
	"go1.13.1", "go1.13.15", "1.13.4", "go1.14.15", "go1.14.2", "go1.15.15",
	"go1.16.15", "go1.16.3", "go1.17.13", "go1.18beta1", "go1.18", "go1.18.10",
	"go1.20", "go1.20.14", "go1.21.0", "go1.21.13", "go1.22.0", "go1.22.12",
	"go1.26rc1", "go1.26.0", "go1.26.11", "go1.27.4", "go1.27.0", "go1.28rc1",
	"bogus", "",
}

func TestSelect(t *testing.T) {
	tests := []struct {
		sel     string
		want    string // space-separated versions
		wantErr string // substring of the error line
		hint    string // substring of the hint
		syntax  bool   // the selector itself is wrong (not errNoMatch)
	}{
		{sel: "1.13.15", want: "go1.13.15"},
		{sel: "go1.13.15", want: "go1.13.15"},
		{sel: " 1.13.4 ", want: "go1.13.4"},
		{sel: "1.13", want: "go1.13.15"},
		{sel: "1.13.x", want: "go1.13.15"},
		{sel: "go1.13", want: "go1.13.15"},
		{sel: "go1.13.x", want: "go1.13.15"},
		{sel: "1.20", want: "go1.20.14"},
		{sel: "1.20.0", want: "go1.20"}, // pre-1.21 naming
		{sel: "go1.20.0", want: "go1.20"},
		{sel: "1.21.0", want: "go1.21.0"},
		{sel: "1.26rc1", want: "go1.26rc1"},
		{sel: "go1.18beta1", want: "go1.18beta1"},
		{sel: "1.26", want: "go1.26.11"},
		{sel: "1.18", want: "go1.18.10"},
		{sel: "stable", want: "go1.27.4"},
		{sel: "oldstable", want: "go1.26.11"},
		{sel: ">=1.14 <1.17", want: "go1.14.15 go1.15.15 go1.16.15"},
		{sel: "every-minor >=1.14 <1.17", want: "go1.14.15 go1.15.15 go1.16.15"},
		{sel: "every-minor  >=1.14   <1.17", want: "go1.14.15 go1.15.15 go1.16.15"},
		{sel: "all >=1.14 <1.17", want: "go1.14.2 go1.14.15 go1.15.15 go1.16.3 go1.16.15"},
		{sel: "every-patch >=1.14 <1.16", want: "go1.14.2 go1.14.15 go1.15.15"},
		{sel: ">=1.26", want: "go1.26.11 go1.27.4"}, // no go1.28rc1, no go1.26rc1
		{sel: "all >=1.26", want: "go1.26.0 go1.26.11 go1.27.0 go1.27.4"},
		{sel: "all >=1.18 <=1.18", want: "go1.18 go1.18.10"},
		{sel: "<=1.14", want: "go1.13.15 go1.14.15"},
		{sel: "all", want: "go1.13.1 go1.13.4 go1.13.15 go1.14.2 go1.14.15 go1.15.15 go1.16.3 go1.16.15 go1.17.13 go1.18 go1.18.10 go1.20 go1.20.14 go1.21.0 go1.21.13 go1.22.0 go1.22.12 go1.26.0 go1.26.11 go1.27.0 go1.27.4"},
		{sel: "every-minor", want: "go1.13.15 go1.14.15 go1.15.15 go1.16.15 go1.17.13 go1.18.10 go1.20.14 go1.21.13 go1.22.12 go1.26.11 go1.27.4"},
		{sel: ">=1.16.10 <1.18", want: "go1.16.15 go1.17.13"},
		{sel: "!=1.14 <1.16", want: "go1.13.15 go1.15.15"},

		{sel: "1.99", wantErr: "no go1.99 release", hint: "run from go1.13.1 to go1.27.4"},
		{sel: "1.99.1", wantErr: "no release go1.99.1", hint: "run from go1.13.1 to go1.27.4"},
		{sel: "1.13.16", wantErr: "no release go1.13.16", hint: "go1.13.1, go1.13.4, go1.13.15"},
		{sel: "1.19", wantErr: "no go1.19 release"},
		{sel: "1.28", wantErr: "no final go1.28 release", hint: "go1.28rc1"},
		{sel: ">=1.30", wantErr: `no release matches ">=1.30"`},
		{sel: ">=1.17 <1.14", wantErr: "no release matches"},
		{sel: ">=banana", wantErr: "not a Go version", hint: "every-minor", syntax: true},
		{sel: "banana", wantErr: `"banana" is not a version selector`, hint: "stable, oldstable", syntax: true},
		{sel: "", wantErr: "empty version selector", syntax: true},
		{sel: "local", wantErr: "names a toolchain", syntax: true},
	}
	for _, tt := range tests {
		got, err := Select(tt.sel, avail)
		if tt.wantErr != "" {
			if err == nil {
				t.Errorf("Select(%q) = %v, want error %q", tt.sel, got, tt.wantErr)
				continue
			}
			if !strings.Contains(lineOf(err), tt.wantErr) {
				t.Errorf("Select(%q) error line = %q, want %q", tt.sel, lineOf(err), tt.wantErr)
			}
			if !strings.Contains(hintOf(err), tt.hint) {
				t.Errorf("Select(%q) hint = %q, want %q", tt.sel, hintOf(err), tt.hint)
			}
			if errors.Is(err, errNoMatch) == tt.syntax {
				t.Errorf("Select(%q): errors.Is(err, errNoMatch) = %v, want %v", tt.sel, !tt.syntax, tt.syntax)
			}
			if strings.Contains(lineOf(err), "\n") {
				t.Errorf("Select(%q) error line has a newline: %q", tt.sel, lineOf(err))
			}
			continue
		}
		if err != nil {
			t.Errorf("Select(%q): %v", tt.sel, err)
			continue
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("Select(%q) = %s, want %s", tt.sel, s, tt.want)
		}
	}
}

func TestSelectEmptyList(t *testing.T) {
	for _, sel := range []string{"stable", "oldstable", "1.13", "1.13.15", ">=1.14"} {
		_, err := Select(sel, nil)
		if err == nil || !strings.Contains(hintOf(err), "no releases are known") {
			t.Errorf("Select(%q, nil) = %v, want an error hinting there is no list", sel, err)
		}
	}
	if _, err := Select("oldstable", []string{"go1.22.1", "go1.22.3"}); err == nil {
		t.Error("oldstable with one minor listed: want error")
	}
}

func TestIsExact(t *testing.T) {
	for sel, want := range map[string]bool{
		"1.13.15": true, "go1.13.15": true, "1.26rc1": true, "1.20.0": true,
		"1.13": false, "1.13.x": false, "stable": false, ">=1.14": false, "all": false, "banana": false,
	} {
		if got := IsExact(sel); got != want {
			t.Errorf("IsExact(%q) = %v, want %v", sel, got, want)
		}
	}
}
