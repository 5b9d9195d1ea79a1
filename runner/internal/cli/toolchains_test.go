package cli

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

func TestVersionsLocal(t *testing.T) {
	t.Setenv("GOMATRIX_OFFLINE", "1") // no network: local and paths resolve without a list
	goroot := runtime.GOROOT()
	code, stdout, stderr := runMain(t, context.Background(), "versions", "local", goroot)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "local") || !strings.Contains(stdout, goroot) || !strings.Contains(stdout, "go1.") {
		t.Errorf("versions output:\n%s", stdout)
	}
}

func TestToolchainsUsage(t *testing.T) {
	for _, args := range [][]string{{"toolchains", "bogus"}, {"toolchains"}, {"versions", "-nosuchflag"}} {
		code, _, stderr := runMain(t, context.Background(), args...)
		if code != ExitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestToolchainsListEmpty(t *testing.T) {
	dir := t.TempDir()
	e := testEnv(nil, nil)
	getenv := e.Getenv
	var out, errb syncBuffer
	e = &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		switch k {
		case "GOMATRIX_CACHE":
			return dir
		case "HOME":
			return dir // no ~/sdk toolchains either
		}
		return getenv(k)
	}}
	code := e.Main(context.Background(), []string{"toolchains", "list"})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String()+errb.String(), "no toolchains") {
		t.Errorf("list on an empty cache:\n%s%s", out.String(), errb.String())
	}
}
