package build

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// makeBash runs make.bash in d.root with t itself as the bootstrap
// toolchain and GOEXPERIMENT=exp, the way a Go release is built.
func (b *Builder) makeBash(ctx context.Context, t toolchain.Toolchain, exp string, d rebuildDirs) (time.Duration, error) {
	env := append(b.rebuildEnv(exp, d), "GOROOT_BOOTSTRAP="+t.GOROOT)
	cpu, err := runStep(ctx, filepath.Join(d.root, "src"), env, "bash", "make.bash")
	if err != nil {
		return cpu, fmt.Errorf("make.bash: %w", err)
	}
	return cpu, nil
}

// rebuildCGO is CGO_ENABLED while a variant is rebuilt: make.bash then
// writes it into go/build's zcgo.go, and the tools method does too.
const rebuildCGO = "0"

// rebuildEnv is the environment of a rebuild in d, by either method.
// GOROOT_FINAL is where the variant ends up, so that its tools record
// that path rather than the temporary one they were built in.
func (b *Builder) rebuildEnv(exp string, d rebuildDirs) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(b.CacheDir, "home"),
		"GOEXPERIMENT=" + exp,
		"CGO_ENABLED=" + rebuildCGO,
		"GOENV=off",
		"GOFLAGS=",
		"GOTOOLCHAIN=local",
		"GOROOT_FINAL=" + d.final,
		"GOCACHE=" + filepath.Join(d.tmp, "gocache"),
		"GOPATH=" + filepath.Join(d.tmp, "gopath"),
	}
}

// runStep runs argv in dir with env, in a process group of its own so
// that the end of ctx stops it and everything it started. It returns the
// CPU time of the process and of the processes it waited for.
func runStep(ctx context.Context, dir string, env []string, argv ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		if ctx.Err() != nil {
			return cpu, context.Cause(ctx)
		}
		return cpu, fmt.Errorf("%v: %s", err, lastLines(out.String(), 5))
	}
	return cpu, nil
}

// tailBuffer keeps the last maxOutput bytes written to it: a failing
// build says why at the end.
type tailBuffer struct{ buf []byte }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) > maxOutput {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-maxOutput:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string { return string(b.buf) }
