//go:build unix

package supervisor

import (
	"bufio"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Report
		err  bool
	}{
		{"start 42 100 250\n", Report{Verb: "start", PID: 42, T0: 100, T1: 250}, false},
		{"exit 256 2048 300\n", Report{Verb: "exit", Status: syscall.WaitStatus(256), MaxRSS: 2048, T: 300}, false},
		{"error fork/exec /x: no such file or directory\n", Report{Verb: "error", Error: "fork/exec /x: no such file or directory"}, false},
		{"ready\n", Report{Verb: "ready"}, false},
		{"start 42 100\n", Report{}, true},
		{"exit a b c\n", Report{}, true},
		{"hello\n", Report{}, true},
		{"start 1 2 3", Report{}, true}, // cut short: the supervisor died
		{"", Report{}, true},
	} {
		c := &Conn{lines: bufio.NewReader(strings.NewReader(tc.line))}
		got, err := c.Read()
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Read(%q) = %+v, %v; want %+v, error %v", tc.line, got, err, tc.want, tc.err)
		}
	}
}
