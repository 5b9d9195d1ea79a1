package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"gopkg.in/yaml.v3"
)

// toolchain is one entry of `gomatrix versions -json`.
type toolchain struct {
	Selector, Version, GOROOT, Error string
}

// buildRunner builds the runner binary into dir, from the repository
// root (the current directory).
func buildRunner(dir string) (string, error) {
	bin := filepath.Join(dir, "runner")
	if out, err := exec.Command("go", "build", "-o", bin, "./runner").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./runner (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// resolveToolchains makes sure the matrix's versions are installed in
// the default toolchain cache (fetching those that are not: never in a
// timed part) and returns them with their GOROOTs.
func resolveToolchains(runner string, versions []string) ([]toolchain, error) {
	fetch := exec.Command(runner, append([]string{"toolchains", "fetch"}, versions...)...)
	if out, err := fetch.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gomatrix toolchains fetch: %v\n%s", err, out)
	}
	out, err := exec.Command(runner, append([]string{"versions", "-json"}, versions...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("gomatrix versions: %v", err)
	}
	var tcs []toolchain
	if err := json.Unmarshal(out, &tcs); err != nil {
		return nil, fmt.Errorf("gomatrix versions -json: %v", err)
	}
	for _, t := range tcs {
		if t.GOROOT == "" {
			return nil, fmt.Errorf("toolchain %s is not installed: %s", t.Selector, t.Error)
		}
	}
	return tcs, nil
}

// readMatrix returns the matrix file's contents and its versions.
func readMatrix(path string) (map[string]any, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	var v struct{ Versions []string }
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := yaml.Unmarshal(data, &v); err != nil || len(v.Versions) == 0 {
		return nil, nil, fmt.Errorf("%s: want a list of versions (%v)", path, err)
	}
	return m, v.Versions, nil
}

// writeMatrix writes m to path with its versions replaced by the
// toolchains' GOROOTs and its cases by the case directory.
func writeMatrix(path string, m map[string]any, tcs []toolchain, caseDir string) error {
	var roots []string
	for _, t := range tcs {
		roots = append(roots, t.GOROOT)
	}
	m["versions"], m["cases"] = roots, []string{caseDir}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(m); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// requirements returns the modules the case's go.mod requires,
// "path@version".
func requirements(caseDir string) ([]string, error) {
	file := filepath.Join(caseDir, "go.mod")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	f, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		return nil, err
	}
	var mods []string
	for _, r := range f.Require {
		mods = append(mods, r.Mod.String())
	}
	return mods, nil
}

// removeAll removes dir, making read-only directories (a module cache)
// writable first.
func removeAll(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench: cleaning up:", strings.TrimSpace(err.Error()))
	}
}
