package main

import "testing"

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		in                    []float64
		median, p90, min, max float64
		within                int // in [10, 25]
	}{
		{[]float64{12}, 12, 12, 12, 12, 1},
		{[]float64{30, 10, 20}, 20, 30, 10, 30, 2},
		{[]float64{4, 1, 3, 2}, 2.5, 4, 1, 4, 0},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 26}, 10.5, 18, 1, 26, 10},
	} {
		s := summarize(tc.in)
		if s.median != tc.median || s.p90 != tc.p90 || s.min != tc.min || s.max != tc.max || s.within(10, 25) != tc.within {
			t.Errorf("summarize(%v) = median %g p90 %g min %g max %g within %d; want %g %g %g %g %d",
				tc.in, s.median, s.p90, s.min, s.max, s.within(10, 25), tc.median, tc.p90, tc.min, tc.max, tc.within)
		}
	}
}
