package main

import "slices"

// A summary is the median, 90th percentile and range of a sample.
type summary struct {
	median, p90, min, max float64
	sorted                []float64
}

func summarize(v []float64) summary {
	if len(v) == 0 {
		return summary{}
	}
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	p90 := s[(len(s)*9+9)/10-1] // nearest rank
	return summary{median: m, p90: p90, min: s[0], max: s[len(s)-1], sorted: s}
}

// within counts the values in [lo, hi].
func (s summary) within(lo, hi float64) int {
	n := 0
	for _, x := range s.sorted {
		if x >= lo && x <= hi {
			n++
		}
	}
	return n
}
