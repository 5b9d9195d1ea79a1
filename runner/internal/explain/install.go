package explain

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// BisectVersion is the version of golang.org/x/tools whose cmd/bisect
// explain runs. go.mod pins the same version with a tool directive
// (TestBisectVersionMatchesGoMod checks): change both together.
const BisectVersion = "v0.49.0"

// BisectPackage is the bisect command's package.
const BisectPackage = "golang.org/x/tools/cmd/bisect"

// BisectDir is where InstallBisect puts the command: a directory of
// the runner's cache per version.
func BisectDir(cacheDir string) string {
	return filepath.Join(cacheDir, "tools", "bisect-"+BisectVersion)
}

// InstallBisect returns the path of the bisect command, installing it
// into BisectDir first when it is not there, with the go command on
// PATH: go install golang.org/x/tools/cmd/bisect@BisectVersion, in
// environ (the user's environment: GOPROXY, GOFLAGS, GOTOOLCHAIN…) with
// GOBIN set.
func InstallBisect(ctx context.Context, cacheDir string, environ []string) (path string, installed bool, err error) {
	dir := BisectDir(cacheDir)
	path = filepath.Join(dir, "bisect"+exe())
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("install bisect: %w", err)
	}
	// Two runners installing at once: one installs, the other waits and
	// finds the command.
	release, err := toolchain.LockFile(ctx, dir+".lock")
	if err != nil {
		return "", false, fmt.Errorf("install bisect: %w", err)
	}
	defer release()
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	return path, true, goInstall(ctx, dir, environ)
}

// goInstall runs go install of the pinned bisect with GOBIN=dir.
func goInstall(ctx context.Context, dir string, environ []string) error {
	target := BisectPackage + "@" + BisectVersion
	cmd := exec.CommandContext(ctx, "go", "install", target)
	cmd.Dir = dir // outside any module: the pinned version alone decides
	cmd.Env = append(slices.Clone(environ), "GOBIN="+dir, "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	proxy := envValue(environ, "GOPROXY")
	if proxy == "" {
		proxy = "the default"
	}
	return fmt.Errorf("install bisect: go install %s: %v\n%s\nhint: it needs the module proxy (GOPROXY: %s) or %s in the module cache;\n"+
		"or build it elsewhere and put it at %s", target, err, strings.TrimSpace(string(out)), proxy,
		"golang.org/x/tools@"+BisectVersion, filepath.Join(dir, "bisect"+exe()))
}

func envValue(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
