package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
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

// DifferingStd compares two CompileStd results package by package: the
// packages of a whose compiled file is not the same bytes in b (missing,
// unreadable or empty included), each with why.
func DifferingStd(a, b map[string]string) map[string]string {
	differ := map[string]string{}
	for pkg, pa := range a {
		da, errA := os.ReadFile(pa)
		db, errB := os.ReadFile(b[pkg])
		if errA != nil || errB != nil || len(da) == 0 || !bytes.Equal(da, db) {
			differ[pkg] = fmt.Sprintf("%d and %d bytes; %v %v", len(da), len(db), errA, errB)
		}
	}
	return differ
}
