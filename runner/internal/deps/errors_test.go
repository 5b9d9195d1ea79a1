package deps

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/module"
)

// Messages the go command printed (go1.13–go1.27, against depstest's
// servers) or that proxy.golang.org and sum.golang.org answer with.
const (
	msgNotFound = "reading http://127.0.0.1:43927/example.com/missing/@v/v1.0.0.info: 404 Not Found\n\tserver response: not found: example.com/missing@v1.0.0"
	msgGone     = "reading https://proxy.golang.org/github.com/x/y/@v/v9.9.9.mod: 410 Gone\n\tserver response: not found: github.com/x/y@v9.9.9: invalid version: unknown revision v9.9.9"
	msgSumDB    = "verifying module: checksum mismatch\n\tdownloaded: h1:jTmreTvwn54HGpbqqLWbg9RDIGHg/NxyN+neCBauzCk=\n\tsum.depstest: h1:wU5KY8mKpqv1bj46ZN+1bkHBOfS8CgQsOI75ESzki24=\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'.\n"
	msgGoSum    = "checksum mismatch\n\tdownloaded: h1:Aehfvlct+Jb9tTPrGU5A3p0PQjfaSHZpEmSfZmjd/h4=\n\tgo.sum:     h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in go.sum.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'.\n"
	msgPrivate  = "verifying go.mod: private.example/p@v1.0.0/go.mod: reading http://127.0.0.1:41971/lookup/private.example/p@v1.0.0: 404 Not Found\n\tserver response: file does not exist"
	msgPrivate2 = "verifying module: github.com/corp/private@v1.0.0: reading https://sum.golang.org/lookup/github.com/corp/private@v1.0.0: 410 Gone\n\tserver response: not found: github.com/corp/private@v1.0.0: invalid version: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0a1b: exit status 128:\n\tfatal: could not read Username for 'https://github.com': terminal prompts disabled"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct{ msg, kind string }{
		{msgNotFound, KindNotFound},
		{msgGone, KindNotFound},
		{"reading https://proxy.golang.org/golang.org/x/sync/@v/v0.99.0.mod: 403 Forbidden\n\tserver response: This module version is not available.", KindNotFound},
		{"invalid version: unknown revision v9.9.9", KindNotFound},
		{"unknown revision v9.9.9", KindNotFound},
		{msgSumDB, KindSumDB},
		{msgGoSum, KindGoSum},
		{msgPrivate, KindPrivate},
		{msgPrivate2, KindPrivate},
		{"module lookup disabled by GOPROXY=off", KindOffline},
		{"go.mod requires go >= 1.99 (running go 1.21.13; GOTOOLCHAIN=local)", KindError},
		{`Get "https://proxy.golang.org/example.com/a/@v/v1.0.0.mod": dial tcp: lookup proxy.golang.org: no such host`, KindError},
	} {
		if got := classify(tt.msg); got != tt.kind {
			t.Errorf("classify(%.60q) = %q, want %q", tt.msg, got, tt.kind)
		}
	}
}

func TestStderrErrors(t *testing.T) {
	for _, tt := range []struct {
		name, stderr string
		want         []string // "path@version kind"
	}{
		{"go1.26 not found", "go: example.com/missing@v1.0.0: reading http://127.0.0.1:43927/example.com/missing/@v/v1.0.0.mod: 404 Not Found\n\tserver response: not found: example.com/missing@v1.0.0\n",
			[]string{"example.com/missing@v1.0.0 not found"}},
		{"go1.17 not found", "go mod download: example.com/missing@v1.0.0: reading http://127.0.0.1:43923/example.com/missing/@v/v1.0.0.mod: 404 Not Found\n\tserver response: not found: example.com/missing@v1.0.0\n",
			[]string{"example.com/missing@v1.0.0 not found"}},
		{"requires chain", "go: example.com/e@v1.0.0 requires\n\texample.com/missing@v1.0.0: reading http://127.0.0.1:36889/example.com/missing/@v/v1.0.0.mod: 404 Not Found\n",
			[]string{"example.com/missing@v1.0.0 not found"}},
		{"go1.13 tampered", "go: finding example.com/a v1.0.0\ngo: finding example.com/tampered v1.0.0\nverifying example.com/tampered@v1.0.0: " + msgSumDB,
			[]string{"example.com/tampered@v1.0.0 checksum database mismatch"}},
		{"go.sum", "verifying example.com/b@v1.0.0/go.mod: " + msgGoSum,
			[]string{"example.com/b@v1.0.0 go.sum mismatch"}},
		{"go1.13 private", "verifying private.example/p@v1.0.0/go.mod: private.example/p@v1.0.0/go.mod: reading http://127.0.0.1:42461/lookup/private.example/p@v1.0.0: 404 Not Found\n",
			[]string{"private.example/p@v1.0.0 unknown to checksum database"}},
		{"offline", "go: example.com/a@v1.0.0: module lookup disabled by GOPROXY=off\n",
			[]string{"example.com/a@v1.0.0 not in module cache"}},
		{"no module", "go: go.mod requires go >= 1.99 (running go 1.21.13; GOTOOLCHAIN=local)\n",
			[]string{"@ error"}},
		{"two", "go: example.com/a@v1.0.0: module lookup disabled by GOPROXY=off\ngo: example.com/b@v1.0.0: reading https://proxy.golang.org/example.com/b/@v/v1.0.0.mod: 410 Gone\n",
			[]string{"example.com/a@v1.0.0 not in module cache", "example.com/b@v1.0.0 not found"}},
	} {
		var got []string
		for _, e := range stderrErrors(tt.stderr) {
			got = append(got, e.Path+"@"+e.Version+" "+classify(e.Msg))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	got := summary(msgGoSum)
	want := "checksum mismatch; downloaded: h1:Aehfvlct+Jb9tTPrGU5A3p0PQjfaSHZpEmSfZmjd/h4=; go.sum: h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	if got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
}

func TestSource(t *testing.T) {
	const url = "https://a.example"
	for _, tt := range []struct {
		net             Net
		path, kind, msg string
		want            string
	}{
		{Net{Offline: true}, "example.com/a", KindOffline, "", SourceOffline},
		{Net{GOPROXY: "off"}, "example.com/a", KindOffline, "", SourceOffline},
		{Net{GOPROXY: url, GOPRIVATE: "corp.example"}, "corp.example/x", KindNotFound, "", "direct"},
		{Net{GOPROXY: url, GONOPROXY: "corp.example"}, "corp.example/x", KindError, "", "direct"},
		{Net{GOPRIVATE: "corp.example", GONOPROXY: "none.example"}, "corp.example/x", KindPrivate, msgPrivate2, DefaultGOPROXY[:len("https://proxy.golang.org")]},
		{Net{GOPROXY: url + ",https://b.example/"}, "example.com/a", KindNotFound, "reading https://b.example/example.com/a/@v/v1.0.0.mod: 404 Not Found", "https://b.example/"},
		{Net{}, "example.com/a", KindNotFound, "invalid version: unknown revision v9.9.9", "direct"},
		{Net{}, "example.com/a", KindSumDB, msgSumDB, "https://proxy.golang.org"},
		{Net{GOPROXY: url}, "example.com/a", KindNotFound, "unknown revision v9.9.9", url},
	} {
		if got := tt.net.source(tt.path, tt.kind, tt.msg); got != tt.want {
			t.Errorf("%+v.source(%s, %.40q) = %q, want %q", tt.net, tt.path, tt.msg, got, tt.want)
		}
	}
}

func TestEnv(t *testing.T) {
	for _, tt := range []struct {
		net  Net
		want string
	}{
		{Net{}, "GOPROXY=https://proxy.golang.org,direct GOSUMDB=sum.golang.org"},
		{Net{GOPROXY: "https://p.example", GOSUMDB: "off", GOPRIVATE: "corp.example", GOINSECURE: "x.example"},
			"GOPROXY=https://p.example GOSUMDB=off GOPRIVATE=corp.example GOINSECURE=x.example"},
		{Net{GOPROXY: "https://p.example", GOSUMDB: "sum.example", GONOSUMDB: "corp.example", GONOPROXY: "corp.example", Offline: true, Extra: []string{"NETRC=/n"}},
			"GOPROXY=off GOSUMDB=off GONOSUMDB=corp.example GONOPROXY=corp.example NETRC=/n"},
	} {
		if got := strings.Join(tt.net.Env(), " "); got != tt.want {
			t.Errorf("%+v.Env() = %s, want %s", tt.net, got, tt.want)
		}
	}
}

func TestNetFromEnv(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	file := filepath.Join(t.TempDir(), "go.env")
	write(t, file, "GOPROXY=https://file.example\nGOPRIVATE=corp.example\nGOSUMDB=sum.file.example\n")
	vars := map[string]string{"GOENV": file, "GOSUMDB": "sum.env.example", "HTTPS_PROXY": "http://proxy.example:3128"}
	n := NetFromEnv(context.Background(), func(k string) string { return vars[k] })
	if n.GOPROXY != "https://file.example" || n.GOPRIVATE != "corp.example" || n.GOSUMDB != "sum.env.example" || n.Offline {
		t.Errorf("NetFromEnv = %+v, want GOPROXY and GOPRIVATE from the file, GOSUMDB from the environment", n)
	}
	if want := []string{"HTTPS_PROXY=http://proxy.example:3128"}; !slices.Equal(n.Extra, want) {
		t.Errorf("Extra = %q, want %q", n.Extra, want)
	}
	vars["GOPROXY"] = "off"
	if n := NetFromEnv(context.Background(), func(k string) string { return vars[k] }); !n.Offline {
		t.Errorf("GOPROXY=off: Offline = false")
	}
}

func TestPassThrough(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{"HOME": home, "SSL_CERT_FILE": "/ca.pem", "GOFLAGS": "-x"}
	getenv := func(k string) string { return vars[k] }
	if got, want := passThrough(getenv), []string{"SSL_CERT_FILE=/ca.pem"}; !slices.Equal(got, want) {
		t.Errorf("without ~/.netrc: %q, want %q", got, want)
	}
	write(t, filepath.Join(home, ".netrc"), "machine corp.example login u password p\n")
	if got, want := passThrough(getenv), []string{"SSL_CERT_FILE=/ca.pem", "NETRC=" + filepath.Join(home, ".netrc")}; !slices.Equal(got, want) {
		t.Errorf("with ~/.netrc: %q, want %q", got, want)
	}
}

func write(t *testing.T, file, data string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
}

// fakeGo writes a go command that prints stdout and exits with code.
func fakeGo(t *testing.T, stdout string, code string) string {
	if runtime.GOOS == "windows" {
		t.Skip("fake go command is a shell script")
	}
	file := filepath.Join(t.TempDir(), "go")
	write(t, file, "#!/bin/sh\ncat <<'EOF'\n"+stdout+"\nEOF\nexit "+code+"\n")
	if err := os.Chmod(file, 0o755); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestFailedModuleExitZero checks that a failure in the JSON counts even
// if the go command exits 0, and that a module reported without a
// directory is not taken for downloaded.
func TestFailedModuleExitZero(t *testing.T) {
	for _, tt := range []struct{ stdout, code, kind string }{
		{`{"Path":"example.com/a","Version":"v1.0.0","Error":"example.com/a@v1.0.0: reading https://p.example/example.com/a/@v/v1.0.0.zip: 404 Not Found"}`, "0", KindNotFound},
		{`{"Path":"example.com/a","Version":"v1.0.0","Sum":"h1:x"}`, "0", KindError},
		{``, "1", KindError},
	} {
		r := Request{Go: fakeGo(t, tt.stdout, tt.code), Dir: t.TempDir(), Net: Net{GOPROXY: "https://p.example"}}
		_, err := Download(context.Background(), r)
		var e *Error
		if !errors.As(err, &e) || e.Modules[0].Kind != tt.kind {
			t.Errorf("stdout %s, exit %s: err = %v, want a *Error of kind %q", tt.stdout, tt.code, err, tt.kind)
			continue
		}
		if e.Hint() == "" || (tt.stdout != "" && !strings.Contains(e.Error(), "example.com/a@v1.0.0 from https://p.example")) {
			t.Errorf("Error() = %q, Hint() = %q", e, e.Hint())
		}
	}
}

func TestBoundedBuffer(t *testing.T) {
	b := &boundedBuffer{max: 100}
	for i := 0; i < 30; i++ {
		b.Write([]byte(strings.Repeat(string(rune('a'+i%26)), 7)))
	}
	s := b.String()
	if !strings.HasPrefix(s, "aaaaaaabbbbbbb") || !strings.HasSuffix(s, "ddddddd") || !strings.Contains(s, "110 bytes dropped") {
		t.Errorf("String() = %q", s)
	}
	if len(b.head)+len(b.tail) != 100 {
		t.Errorf("kept %d bytes, want 100", len(b.head)+len(b.tail))
	}
}

func TestModCache(t *testing.T) {
	env := []string{"GOPATH=/g" + string(os.PathListSeparator) + "/h", "GOMODCACHE=/m", "HOME=/home"}
	for _, tt := range []struct {
		env           []string
		version, want string
	}{
		{env, "go1.14.15", filepath.Join("/g", "pkg", "mod")},
		{env, "go1.15", "/m"},
		{env, "", "/m"},
		{[]string{"HOME=/home"}, "go1.26.8", filepath.Join("/home", "go", "pkg", "mod")},
	} {
		if got := modCache(tt.env, tt.version); got != tt.want {
			t.Errorf("modCache(%q, %s) = %s, want %s", tt.env, tt.version, got, tt.want)
		}
	}
}

func TestHints(t *testing.T) {
	for _, kind := range []string{KindNotFound, KindGoSum, KindSumDB, KindPrivate, KindOffline, KindError} {
		if h := hint(ModuleError{Path: "example.com/a", Version: "v1.0.0", Kind: kind}); h == "" || strings.Contains(h, "\n") {
			t.Errorf("hint(%s) = %q", kind, h)
		}
	}
}

func TestMissing(t *testing.T) {
	cache := t.TempDir()
	put := func(path, version, ext, data string) {
		file, err := cacheFile(cache, module.Version{Path: path, Version: version}, ext)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(file), 0o777)
		write(t, file, data)
	}
	// a is complete and requires d, which is missing; b lacks its zip;
	// c is replaced by Upper (escaped in the cache), which is complete; f
	// is replaced by a directory.
	put("example.com/a", "v1.0.0", ".mod", "module example.com/a\nrequire example.com/d v1.1.0\n")
	put("example.com/a", "v1.0.0", ".zip", "zip")
	put("example.com/b", "v1.0.0", ".mod", "module example.com/b\n")
	put("example.com/Upper", "v1.0.0", ".mod", "module example.com/Upper\n")
	put("example.com/Upper", "v1.0.0", ".zip", "zip")
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), `module m
require (
	example.com/a v1.0.0
	example.com/b v1.0.0
	example.com/c v1.0.0
	example.com/f v1.0.0
	example.com/g v1.0.0
)
replace example.com/c => example.com/Upper v1.0.0
replace example.com/f => ./f
`)
	var got []string
	for _, m := range missing(dir, nil, cache) {
		got = append(got, m.String())
	}
	want := []string{"example.com/b@v1.0.0", "example.com/g@v1.0.0", "example.com/d@v1.1.0"}
	if !slices.Equal(got, want) {
		t.Errorf("missing = %q, want %q", got, want)
	}
	got = nil
	for _, m := range missing(dir, []string{"example.com/a@v1.0.0", "example.com/h@v1.0.0", "all", "example.com/q@latest"}, cache) {
		got = append(got, m.String())
	}
	if want := []string{"example.com/h@v1.0.0", "example.com/d@v1.1.0"}; !slices.Equal(got, want) {
		t.Errorf("missing with args = %q, want %q", got, want)
	}
}
