package results

import "testing"

func TestSpreadOf(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want Spread
		text string
	}{
		{[]float64{12}, Spread{N: 1, Min: 12, Median: 12, Max: 12}, "12.0 ms"},
		{[]float64{14, 10, 12}, Spread{N: 3, Min: 10, Median: 12, Max: 14, MAD: 2}, "12.0 ms (10.0–14.0, ±2.0, 3 runs)"},
		{[]float64{11, 10, 13, 40}, Spread{N: 4, Min: 10, Median: 12, Max: 40, MAD: 1.5}, "12.0 ms (10.0–40.0, ±1.5, 4 runs)"},
	} {
		got, ok := SpreadOf(tt.xs)
		if !ok || got != tt.want || got.String() != tt.text {
			t.Errorf("SpreadOf(%v) = %+v %q, want %+v %q", tt.xs, got, got.String(), tt.want, tt.text)
		}
	}
	if _, ok := SpreadOf(nil); ok {
		t.Error("SpreadOf(nil): ok")
	}
}
