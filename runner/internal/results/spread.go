package results

import (
	"fmt"
	"math"
	"slices"
)

// A Spread summarises the figures of a cell's runs: their number,
// minimum, median, maximum and median absolute deviation (MAD: the median
// of the distances from the median, robust to a single outlier, unlike a
// standard deviation).
type Spread struct {
	N                     int
	Min, Median, Max, MAD float64
}

// SpreadOf summarises xs; ok is false when xs is empty.
func SpreadOf(xs []float64) (s Spread, ok bool) {
	if len(xs) == 0 {
		return Spread{}, false
	}
	sorted := slices.Sorted(slices.Values(xs))
	s = Spread{N: len(xs), Min: sorted[0], Max: sorted[len(sorted)-1], Median: median(sorted)}
	dev := make([]float64, len(sorted))
	for i, x := range sorted {
		dev[i] = math.Abs(x - s.Median)
	}
	slices.Sort(dev)
	s.MAD = median(dev)
	return s, true
}

// median is the middle of sorted values, or the mean of the two middle
// ones.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// String formats s for reports: "12.1 ms (10.7–16.5, ±0.9, 5 runs)", or
// "12.1 ms" for a single run.
func (s Spread) String() string {
	if s.N == 1 {
		return fmt.Sprintf("%.1f ms", s.Median)
	}
	return fmt.Sprintf("%.1f ms (%.1f–%.1f, ±%.1f, %d runs)", s.Median, s.Min, s.Max, s.MAD, s.N)
}
