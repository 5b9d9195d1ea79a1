package build

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// CompileStd compiles all of std with t into the build cache gocache, as
// builds with a variant do on demand, and returns each package's
// compiled file and the CPU time it took. It compiles with -trimpath
// and GOROOT_FINAL=/goroot, so that two toolchains installed in
// different directories compile the same bytes when they compile the
// same code: the fidelity test and bench/variants compare variants so.
func CompileStd(ctx context.Context, t toolchain.Toolchain, gocache, gopath string) (map[string]string, time.Duration, error) {
	cmd := exec.CommandContext(ctx, t.Go(), "list", "-trimpath", "-export", "-f", "{{.ImportPath}}\t{{.Export}}", "std")
	cmd.Env = toolchain.Env(t, "", []string{"GOCACHE=" + gocache, "GOPATH=" + gopath, "GOROOT_FINAL=/goroot"})
	cmd.Dir = gopath
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return nil, cpu, fmt.Errorf("%s list -export std: %v: %s", t.GOROOT, err, lastLines(stderr.String(), 5))
	}
	files := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if pkg, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			files[pkg] = file
		}
	}
	return files, cpu, nil
}
