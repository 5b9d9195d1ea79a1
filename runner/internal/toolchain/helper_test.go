package toolchain_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain/toolchaintest"
)

// helperCommand returns a command that runs this test binary as another
// runner process: it fetches v into env's cache through env's proxy (see
// TestHelperProcess).
func helperCommand(t *testing.T, env *toolchaintest.Env, v string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), env.Environ()...)
	cmd.Env = append(cmd.Env, "GOMATRIX_TEST_HELPER=1", "GOMATRIX_TEST_VERSION="+v)
	return cmd
}

// TestHelperProcess is not a test: it is the other runner process of
// TestConcurrentProcesses and TestKilledMidDownload.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("GOMATRIX_TEST_HELPER") != "1" {
		t.Skip("helper process for other tests")
	}
	m, err := toolchain.NewManager(os.Getenv("GOMATRIX_CACHE"), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	m.Progress = os.Stderr
	v := os.Getenv("GOMATRIX_TEST_VERSION")
	tc := m.Ensure(context.Background(), []toolchain.Toolchain{{Selector: v, Version: v}})[0]
	if tc.Error != "" {
		fmt.Fprintln(os.Stderr, tc.Error)
		os.Exit(1)
	}
	fmt.Printf("installed %s from %s\n", tc.Version, tc.Source)
	os.Exit(0)
}
