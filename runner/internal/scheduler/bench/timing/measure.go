package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/scheduler"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// localToolchain is the machine's Go: the go command on PATH.
func localToolchain(ctx context.Context) (toolchain.Toolchain, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return toolchain.Toolchain{}, fmt.Errorf("go env: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return toolchain.Toolchain{}, fmt.Errorf("go env GOROOT GOVERSION: unexpected %q", out)
	}
	return toolchain.Toolchain{Selector: "local", GOROOT: f[0], Version: f[1]}, nil
}

// buildSysmon builds the sysmon case as the scheduler would, and returns
// the spec of one run of it.
func (b *bench) buildSysmon(ctx context.Context) (run.Spec, error) {
	c := b.sysmon
	req := build.Request{Case: c.Case, Toolchain: c.Toolchain, Timeout: c.BuildTimeout}
	res, err := (&build.Builder{CacheDir: b.work}).Build(ctx, req, 0)
	if err == nil && res.Binary == "" {
		err = errors.New(res.Error)
	}
	if err != nil {
		return run.Spec{}, fmt.Errorf("build %s: %w", c.Case.Name, err)
	}
	return run.Spec{
		Path:       res.Binary,
		Dir:        c.Case.Dir,
		Env:        scheduler.RunEnv(c, b.work),
		Timeout:    c.Timeout,
		CompleteOn: c.Case.CompleteOn,
	}, nil
}

// runs runs spec n times, one at a time, and returns each complete_ms.
func runs(ctx context.Context, spec run.Spec, n int) ([]float64, error) {
	var ms []float64
	for range n {
		r, err := run.Cell(ctx, spec)
		if err != nil {
			return nil, err
		}
		if r.Outcome != results.Complete {
			return nil, fmt.Errorf("run %s: %s (%s)", spec.Path, r.Outcome, r.Reason)
		}
		ms = append(ms, millis(r.CompletedAfter))
	}
	return ms, nil
}

// nextToBuild runs spec n times while `go build -a std` (with -p procs
// when procs > 0) compiles with a fresh build cache, started again
// whenever it finishes first.
func (b *bench) nextToBuild(ctx context.Context, spec run.Spec, procs int) ([]float64, error) {
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- b.buildStd(bctx, procs) }()
	time.Sleep(2 * time.Second) // past the go command's start-up, into the compiles
	ms, err := runs(ctx, spec, b.n)
	stop()
	if berr := <-done; berr != nil && err == nil {
		err = berr
	}
	return ms, err
}

// buildStd builds std with -a over and over until ctx is cancelled.
func (b *bench) buildStd(ctx context.Context, procs int) error {
	t := b.sysmon.Toolchain
	for i := 0; ; i++ {
		args := []string{"build", "-a"}
		if procs > 0 {
			args = append(args, "-p", fmt.Sprint(procs))
		}
		cmd := exec.CommandContext(ctx, t.Go(), append(args, "-o", os.DevNull, "std")...)
		cache := filepath.Join(b.work, fmt.Sprintf("std-cache-%d-%d", procs, i))
		cmd.Env = toolchain.Env(t, "", []string{"GOCACHE=" + cache})
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		os.RemoveAll(cache)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("go build std: %w\n%s", err, out.Bytes())
		}
		b.logf("go build -a std finished before the runs; building it again")
	}
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
