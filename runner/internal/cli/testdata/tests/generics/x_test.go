package generics

import "testing"

func Max[T int | float64](a, b T) T {
	if a > b {
		return a
	}
	return b
}

func TestMax(t *testing.T) {
	if Max(1, 2) != 2 {
		t.Fail()
	}
}
