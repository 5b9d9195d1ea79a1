package onefail

import (
	"runtime"
	"testing"
)

func TestOK(t *testing.T) {}
func TestProcs(t *testing.T) {
	if runtime.GOMAXPROCS(0) == 1 {
		t.Errorf("GOMAXPROCS is 1")
	}
}
