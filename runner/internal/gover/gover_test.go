package gover

import "testing"

func TestConstraint(t *testing.T) {
	tests := []struct {
		c    string
		v    string
		want bool
	}{
		{">=1.14 <1.17", "go1.13.15", false},
		{">=1.14 <1.17", "go1.14", true},
		{">=1.14 <1.17", "go1.14.15", true},
		{">=1.14 <1.17", "go1.16.15", true},
		{">=1.14 <1.17", "go1.17rc1", false},
		{">=1.14 <1.17", "go1.17", false},
		{"<=1.16", "go1.16.15", true},
		{">1.16", "go1.16.15", false},
		{">1.16", "go1.17beta1", true},
		{"1.16", "go1.16.3", true},
		{"1.16.x", "1.16.3", true},
		{"go1.16.3", "go1.16.3", true},
		{"1.16.3", "go1.16.4", false},
		{"!=1.15", "go1.15.2", false},
		{"", "go1.2", true},
		{"<1.14", "go1.13.15 X:preemptibleloops", true},
		{"<1.14", "garbage", false},
		{">=1.21rc1", "go1.21rc2", true},
		{">=1.21rc1", "go1.21", false},
	}
	for _, tt := range tests {
		c, err := ParseConstraint(tt.c)
		if err != nil {
			t.Fatalf("ParseConstraint(%q): %v", tt.c, err)
		}
		if got := c.Match(tt.v); got != tt.want {
			t.Errorf("%q.Match(%q) = %v, want %v", tt.c, tt.v, got, tt.want)
		}
	}
}

func TestConstraintErrors(t *testing.T) {
	for _, s := range []string{">=", "1.x", "foo", ">=1.14 <bar", "1.14.2.x"} {
		if _, err := ParseConstraint(s); err == nil {
			t.Errorf("ParseConstraint(%q) succeeded, want error", s)
		}
	}
}

func TestHelpers(t *testing.T) {
	if Lang("1.21.3") != "go1.21" || Lang("go1.13.15") != "go1.13" {
		t.Error("Lang")
	}
	if !IsRelease("go1.21.0") || IsRelease("go1.21rc1") || IsRelease("nope") {
		t.Error("IsRelease")
	}
	for v, want := range map[string]bool{"1.14": true, "go1.14": true, "1.14.x": true, "1.14.2": false, "1.21rc1": false} {
		if IsLangOnly(v) != want {
			t.Errorf("IsLangOnly(%q) != %v", v, want)
		}
	}
	if Compare("1.13.15", "go1.14") >= 0 || Compare("go1.21rc1", "go1.21.0") >= 0 {
		t.Error("Compare")
	}
	if v, ok := MustParseConstraint("1.16.15").Exact(); !ok || v != "go1.16.15" {
		t.Error("Exact")
	}
}
