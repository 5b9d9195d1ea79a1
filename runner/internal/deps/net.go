package deps

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// The go command's defaults, which Env must spell out because the clean
// build environment turns both off.
const (
	DefaultGOPROXY = "https://proxy.golang.org,direct"
	DefaultGOSUMDB = "sum.golang.org"
)

// SourceOffline is the Source of a module a step run offline lacks.
const SourceOffline = "module cache (offline)"

// Net is the user's network settings for module downloads: the values of
// GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY, GOINSECURE, and
// Offline (the runner's -offline flag). An empty value means the go
// command's default.
type Net struct {
	GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY, GOINSECURE string
	// Offline makes the step use only the module cache.
	Offline bool
	// Extra are further "KEY=VALUE" entries a download needs from the
	// user's environment: HTTP proxies, TLS roots, credentials (see
	// PassThrough).
	Extra []string
}

// netKeys are the go env keys Net holds, in field order.
var netKeys = []string{"GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE"}

// PassThrough are the environment variables NetFromEnv copies into
// Net.Extra when set. The clean build environment drops them, yet a
// download needs them behind a corporate proxy or TLS interceptor, or
// for private modules; HOME is the cache's, so credentials in the
// user's home directory are passed by path (NETRC, GIT_CONFIG_GLOBAL).
var PassThrough = []string{
	"GOVCS", "GOAUTH",
	"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"NETRC", "GIT_CONFIG_GLOBAL", "GIT_SSH_COMMAND", "SSH_AUTH_SOCK",
}

// NetFromEnv reads Net from getenv; for a key that is unset there it
// falls back to the user's go env file, asking the go command on PATH
// (`go env -json`); failures leave the key empty. Offline is true when
// GOPROXY is "off".
func NetFromEnv(ctx context.Context, getenv func(string) string) Net {
	vals := map[string]string{}
	var unset []string
	for _, k := range netKeys {
		if v := getenv(k); v != "" {
			vals[k] = v
		} else {
			unset = append(unset, k)
		}
	}
	for k, v := range goEnv(ctx, getenv, unset) {
		vals[k] = v
	}
	n := Net{
		GOPROXY: vals["GOPROXY"], GOSUMDB: vals["GOSUMDB"], GONOSUMDB: vals["GONOSUMDB"],
		GOPRIVATE: vals["GOPRIVATE"], GONOPROXY: vals["GONOPROXY"], GOINSECURE: vals["GOINSECURE"],
		Extra: passThrough(getenv),
	}
	n.Offline = n.GOPROXY == "off"
	return n
}

// goEnv asks the go command on PATH for keys, as the user's go env file
// (GOENV) sets them; it returns nil on any failure.
func goEnv(ctx context.Context, getenv func(string) string, keys []string) map[string]string {
	goCmd, err := exec.LookPath("go")
	if len(keys) == 0 || err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, append([]string{"env", "-json"}, keys...)...)
	// GOTOOLCHAIN=local: a GOTOOLCHAIN in the env file must not make
	// this question download a toolchain. The env file is the one
	// getenv's GOENV and HOME point at.
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	for _, k := range []string{"GOENV", "HOME", "XDG_CONFIG_HOME", "APPDATA"} {
		if v := getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	// An empty value makes the go command read the key from the file.
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"=")
	}
	out, err := cmd.Output()
	var vals map[string]string
	if err != nil || json.Unmarshal(out, &vals) != nil {
		return nil
	}
	return vals
}

// passThrough returns the PassThrough entries getenv sets, adding NETRC
// for the user's ~/.netrc (which the go command would otherwise look
// for in the cache's HOME).
func passThrough(getenv func(string) string) []string {
	var env []string
	for _, k := range PassThrough {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	if home := getenv("HOME"); home != "" && getenv("NETRC") == "" {
		if _, err := os.Stat(filepath.Join(home, ".netrc")); err == nil {
			env = append(env, "NETRC="+filepath.Join(home, ".netrc"))
		}
	}
	return env
}

// Env returns the "KEY=VALUE" entries to append to a toolchain's clean
// build environment for the download step. GOPROXY and GOSUMDB are
// always set, to the go command's defaults when empty, since the clean
// environment turns both off. Offline sets both to "off": the module
// cache is then the only source, and the checksum database would be
// asked over the network about any module the case's go.sum lacks.
// Empty values of the other keys are left out.
func (n Net) Env() []string {
	proxy, sumdb := or(n.GOPROXY, DefaultGOPROXY), or(n.GOSUMDB, DefaultGOSUMDB)
	if n.Offline {
		proxy, sumdb = "off", "off"
	}
	env := []string{"GOPROXY=" + proxy, "GOSUMDB=" + sumdb}
	for _, kv := range [][2]string{{"GONOSUMDB", n.GONOSUMDB}, {"GOPRIVATE", n.GOPRIVATE}, {"GONOPROXY", n.GONOPROXY}, {"GOINSECURE", n.GOINSECURE}} {
		if kv[1] != "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return append(env, n.Extra...)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// offline reports whether the step may use only the module cache.
func (n Net) offline() bool { return n.Offline || n.GOPROXY == "off" }

// proxies returns the GOPROXY list: URLs, "direct" and "off".
func (n Net) proxies() []string {
	var list []string
	for _, p := range strings.FieldsFunc(or(n.GOPROXY, DefaultGOPROXY), func(r rune) bool { return r == ',' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
		}
	}
	return list
}

// noProxy reports whether GONOPROXY (by default GOPRIVATE) sends path
// straight to its version control server.
func (n Net) noProxy(path string) bool {
	return module.MatchPrefixPatterns(or(n.GONOPROXY, n.GOPRIVATE), path)
}

var urlRE = regexp.MustCompile(`(?:https?|file)://[^\s"']+`)

// source names where path came from for an error whose text is msg: the
// proxy msg names, "direct", or SourceOffline.
func (n Net) source(path, kind, msg string) string {
	switch {
	case n.offline():
		return SourceOffline
	case n.noProxy(path):
		return "direct"
	}
	list := n.proxies()
	for _, u := range urlRE.FindAllString(msg, -1) {
		for _, p := range list {
			if strings.HasPrefix(u, strings.TrimSuffix(p, "/")+"/") {
				return p
			}
		}
	}
	// The go command reports a fallback's error over a proxy's 404, and
	// a proxy's errors name its URL: an error naming none came from
	// "direct" if the list has it. Checksum errors name no URL either,
	// but the module came from the first proxy.
	if (kind == KindNotFound || kind == KindError) && slices.Contains(list, "direct") {
		return "direct"
	}
	if len(list) == 0 {
		return "direct"
	}
	return list[0]
}
