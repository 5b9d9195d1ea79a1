package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// testVersion is the version the file proxy serves the module at.
const testVersion = "v0.0.1"

// TestGoInstall publishes the repository's HEAD as a module version on a
// file proxy (a zip made with x/mod, as the proxy would serve a tag),
// installs the command with `go install PATH/cmd/gomatrix@VERSION`, and
// runs the installed binary outside any clone: its help names it
// gomatrix, and it runs a one-case matrix in a directory of its own,
// writing the results next to the matrix.
func TestGoInstall(t *testing.T) {
	if testing.Short() || os.Getenv("GOMATRIX_INTEGRATION") != "1" {
		t.Skip("set GOMATRIX_INTEGRATION=1 to go install the command from a file proxy (about 20 s)")
	}
	root := repoRoot(t)
	path := modulePath(t, root)
	proxy := t.TempDir()
	publish(t, proxy, root, module.Version{Path: path, Version: testVersion})
	bin := t.TempDir()
	install := exec.Command("go", "install", path+"/cmd/gomatrix@"+testVersion)
	install.Dir = t.TempDir() // outside any module
	install.Env = installEnv(t, proxy, bin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	gomatrix := filepath.Join(bin, "gomatrix")
	help, _ := exec.Command(gomatrix, "-h").CombinedOutput()
	if !strings.Contains(string(help), "gomatrix <command>") || strings.Contains(string(help), "go run ./runner") {
		t.Errorf("installed gomatrix -h does not name itself:\n%s", help)
	}
	runAnywhere(t, gomatrix)
}

// runAnywhere runs a one-case matrix with the installed command in a
// fresh directory.
func runAnywhere(t *testing.T, gomatrix string) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "matrix.yaml"), "versions: [local]\ncases: [hello]\ntimeout: 10s\n")
	write(t, filepath.Join(dir, "hello", "main.go"), "package main\n\nfunc main() { println(\"hello\") }\n")
	cmd := exec.Command(gomatrix, "-q")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+filepath.Join(t.TempDir(), "cache"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gomatrix in %s: %v\n%s", dir, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results", "results.json"))
	if err != nil || !bytes.Contains(data, []byte(`"outcome": "complete"`)) {
		t.Errorf("results next to the matrix: %v\n%.400s", err, data)
	}
}

// publish writes module m, made from the git HEAD of the repository at
// root, into a file proxy at dir.
func publish(t *testing.T, dir, root string, m module.Version) {
	t.Helper()
	at := filepath.Join(dir, filepath.FromSlash(m.Path), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	var zip bytes.Buffer
	if err := modzip.CreateFromVCS(&zip, m, root, "HEAD", ""); err != nil {
		t.Fatalf("module zip of HEAD: %v", err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": m.Version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, data := range map[string][]byte{"list": []byte(m.Version + "\n"), m.Version + ".info": info, m.Version + ".mod": gomod, m.Version + ".zip": zip.Bytes()} {
		write(t, filepath.Join(at, name), string(data))
	}
}

// installEnv is the environment of the go install: the file proxy
// first, then the local module cache's download directory (itself a
// proxy) for the dependencies, so no network is needed. The module is
// not in the checksum database, and a file proxy serves none.
func installEnv(t *testing.T, proxy, bin string) []string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	return append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(cache),
		"GOSUMDB=off", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GOBIN="+bin,
		"GOMODCACHE="+filepath.Join(t.TempDir(), "modcache"))
}

func repoRoot(t *testing.T) string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// modulePath reads the module path from go.mod: the one place it is
// written.
func modulePath(t *testing.T, root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil || f.Module == nil {
		t.Fatalf("go.mod: %v", err)
	}
	if first, _, _ := strings.Cut(f.Module.Mod.Path, "/"); !strings.Contains(first, ".") {
		t.Errorf("module path %s: its first element has no dot, so go install cannot fetch it", f.Module.Mod.Path)
	}
	return f.Module.Mod.Path
}

func write(t *testing.T, file, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
