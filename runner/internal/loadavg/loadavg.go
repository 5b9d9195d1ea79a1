// Package loadavg reads the machine's load average, which the
// benchmarks print beside each timing: a figure measured while other
// work loaded the machine must say so.
package loadavg

import (
	"os"
	"strings"
)

// Averages returns the 1, 5 and 15 minute load averages ("2.61 2.50
// 2.40"), or "?" where /proc/loadavg cannot be read (outside Linux).
func Averages() string {
	f := fields()
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Minute returns the 1 minute load average, or "?".
func Minute() string {
	f := fields()
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func fields() []string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	return strings.Fields(string(data))
}
