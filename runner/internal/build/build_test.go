package build

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		out, reason string
		ice         bool
	}{
		{"# internal/abi\n../../../toolchains/go1.17.13/src/internal/abi/abi.go:38:14: internal compiler error: '(*RegArgs).Dump': panic during insert resched checks\n\ngoroutine 1 [running]:\n",
			"$GOROOT/src/internal/abi/abi.go:38:14: internal compiler error: '(*RegArgs).Dump': panic during insert resched checks", true},
		{"go: unknown GOEXPERIMENT nosuch\n", "go: unknown GOEXPERIMENT nosuch", false},
		{"go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n", "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)", false},
		{"# m\n./main.go:3:15: undefined: x\n", "./main.go:3:15: undefined: x", false},
		{"", "go build failed without output", false},
	}
	for _, tt := range tests {
		reason, ice := classify(tt.out)
		if reason != tt.reason || ice != tt.ice {
			t.Errorf("classify(%q) = %q, %v; want %q, %v", tt.out, reason, ice, tt.reason, tt.ice)
		}
	}
}
