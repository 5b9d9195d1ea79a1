package toolchain

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// helperCommand returns a command that runs this test binary as another
// runner process: it fetches v through p into cache (see TestHelperProcess).
func helperCommand(t *testing.T, p *fakeProxy, cache, v string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"GOMATRIX_TEST_HELPER=1",
		"GOMATRIX_TEST_CACHE="+cache,
		"GOMATRIX_TEST_VERSION="+v,
		"GOPROXY="+p.srv.URL,
		"GOSUMDB="+p.db.Key+" "+p.db.URL,
		"GOMATRIX_SOURCES=proxy",
		"GONOSUMDB=", "GOPRIVATE=", "GOMATRIX_OFFLINE=",
	)
	return cmd
}

// TestHelperProcess is not a test: it is the other runner process of
// TestConcurrentProcesses and TestKilledMidDownload.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("GOMATRIX_TEST_HELPER") != "1" {
		t.Skip("helper process for other tests")
	}
	m, err := NewManager(os.Getenv("GOMATRIX_TEST_CACHE"), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	m.Progress = os.Stderr
	v := os.Getenv("GOMATRIX_TEST_VERSION")
	tc := m.Ensure(context.Background(), []Toolchain{{Selector: v, Version: v}})[0]
	if tc.Error != "" {
		fmt.Fprintln(os.Stderr, tc.Error)
		os.Exit(1)
	}
	fmt.Printf("installed %s from %s\n", tc.Version, tc.Source)
	os.Exit(0)
}
