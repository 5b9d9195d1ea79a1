package shard

import (
	"fmt"
	"strings"
)

// A Runner is a runs-on label and the platform its machines are. The
// platform decides the plan: toolchains are resolved from that
// platform's list of releases (darwin/arm64 has none before go1.16), so
// a plan is made per platform, as the shard jobs there will make it.
type Runner struct {
	Label        string // "macos-latest"
	GOOS, GOARCH string // "darwin", "arm64"
}

// Platform names the runner's platform: "darwin/arm64".
func (r Runner) Platform() string { return r.GOOS + "/" + r.GOARCH }

// ParseRunners parses -os: runs-on labels separated by commas, each
// either a GitHub-hosted label whose platform is known (ubuntu-*,
// windows-*, macos-*) or "label=goos/goarch". Two runners of one
// platform are refused: the OS axis of merged results is the platform,
// so their cells would be the same cells twice.
func ParseRunners(s string) ([]Runner, error) {
	var out []Runner
	seen := map[string]bool{}
	platforms := map[string]string{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		label, platform, explicit := strings.Cut(f, "=")
		r := Runner{Label: strings.TrimSpace(label)}
		if explicit {
			goos, goarch, ok := strings.Cut(strings.TrimSpace(platform), "/")
			if !ok || goos == "" || goarch == "" || strings.ContainsAny(goarch, "/ ") {
				return nil, fmt.Errorf("runner %q: want label=goos/goarch, such as my-runner=linux/arm64", f)
			}
			r.GOOS, r.GOARCH = goos, goarch
		} else {
			var ok bool
			if r.GOOS, r.GOARCH, ok = hostedPlatform(r.Label); !ok {
				return nil, fmt.Errorf("runner %q: its platform is unknown\nhint: name it: %s=linux/amd64 (or the GOOS/GOARCH its machines have)", r.Label, r.Label)
			}
		}
		if r.Label == "" {
			return nil, fmt.Errorf("runner %q: empty label", f)
		}
		if seen[r.Label] {
			return nil, fmt.Errorf("runner %q named twice", r.Label)
		}
		seen[r.Label] = true
		if other, ok := platforms[r.Platform()]; ok {
			return nil, fmt.Errorf("runners %q and %q are both %s: merged, their cells would be the same cells twice\nhint: name one runner per platform", other, r.Label, r.Platform())
		}
		platforms[r.Platform()] = r.Label
		out = append(out, r)
	}
	return out, nil
}

// hostedPlatform returns the platform of a GitHub-hosted runner label.
func hostedPlatform(label string) (goos, goarch string, ok bool) {
	l := strings.ToLower(label)
	switch {
	case strings.HasPrefix(l, "ubuntu-"):
		if strings.Contains(l, "-arm") {
			return "linux", "arm64", true
		}
		return "linux", "amd64", true
	case strings.HasPrefix(l, "windows-"):
		if strings.Contains(l, "-arm") {
			return "windows", "arm64", true
		}
		return "windows", "amd64", true
	case strings.HasPrefix(l, "macos-"):
		// Intel: macos-13 and the -large (not -xlarge) machines, and
		// labels that say so; Apple silicon otherwise.
		if strings.HasPrefix(l, "macos-13") || strings.HasSuffix(l, "-large") || strings.Contains(l, "intel") {
			return "darwin", "amd64", true
		}
		return "darwin", "arm64", true
	}
	return "", "", false
}
