package build

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

func TestBuildArgs(t *testing.T) {
	tc := toolchain.Toolchain{GOROOT: filepath.FromSlash("/sdk/go1.26.8")}
	goCmd := tc.Go()
	tests := []struct {
		procs int
		tags  []string
		src   source
		want  []string
	}{
		{0, nil, source{pkg: "."}, []string{goCmd, "build", "-o", "out.tmp", "."}},
		{2, nil, source{pkg: "."}, []string{goCmd, "build", "-p", "2", "-o", "out.tmp", "."}},
		{0, []string{"a", "b"}, source{pkg: "."}, []string{goCmd, "build", "-tags", "a,b", "-o", "out.tmp", "."}},
		{1, []string{"a"}, source{pkg: "."}, []string{goCmd, "build", "-p", "1", "-tags", "a", "-o", "out.tmp", "."}},
		{0, nil, source{pkg: "./cmd/x", vendor: true}, []string{goCmd, "build", "-mod=vendor", "-o", "out.tmp", "./cmd/x"}},
	}
	for _, tt := range tests {
		r := Request{Case: &matrix.Case{Tags: tt.tags}, Toolchain: tc}
		if got := buildArgs(r, &tt.src, tt.procs, "out.tmp"); !slices.Equal(got, tt.want) {
			t.Errorf("buildArgs(procs=%d, tags=%q) = %q, want %q", tt.procs, tt.tags, got, tt.want)
		}
	}
}

func TestExperimentHint(t *testing.T) {
	for _, tt := range []struct{ reason, exps, want string }{
		{"go: unknown GOEXPERIMENT suchexp", "nosuchexp", `go: unknown GOEXPERIMENT suchexp (hint: GOEXPERIMENT=nosuchexp turns experiment "suchexp" off, and this toolchain has no experiment "suchexp")`},
		{"go: unknown GOEXPERIMENT x", "regabi,nox", `go: unknown GOEXPERIMENT x (hint: GOEXPERIMENT=nox turns experiment "x" off, and this toolchain has no experiment "x")`},
		{"go: unknown GOEXPERIMENT foo", "foo", "go: unknown GOEXPERIMENT foo"},
		{"./main.go:3: undefined: x", "noregabi", "./main.go:3: undefined: x"},
	} {
		if got := experimentHint(tt.reason, tt.exps); got != tt.want {
			t.Errorf("experimentHint(%q, %q) = %q, want %q", tt.reason, tt.exps, got, tt.want)
		}
	}
}
