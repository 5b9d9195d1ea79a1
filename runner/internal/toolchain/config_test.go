package toolchain

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestParseGOPROXY(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "", want: "https://proxy.golang.org, direct"},
		{in: "https://proxy.golang.org,direct", want: "https://proxy.golang.org, direct"},
		{in: "https://a.example/|https://b.example,off", want: "https://a.example|, https://b.example, off"},
		{in: " https://a.example , https://b.example | direct ", want: "https://a.example, https://b.example|, direct"},
		{in: "off", want: "off"},
		{in: "direct", want: "direct"},
		{in: ",,", wantErr: "no entries"},
		{in: "ftp://x", wantErr: `GOPROXY entry "ftp://x": not an http or https URL`},
		{in: "proxy.golang.org", wantErr: "not an http or https URL"},
	}
	for _, tt := range tests {
		list, err := ParseGOPROXY(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseGOPROXY(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGOPROXY(%q): %v", tt.in, err)
			continue
		}
		var got []string
		for _, p := range list {
			s := p.URL
			if p.AnyError {
				s += "|"
			}
			got = append(got, s)
		}
		if s := strings.Join(got, ", "); s != tt.want {
			t.Errorf("ParseGOPROXY(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestParseGOSUMDB(t *testing.T) {
	_, otherKey, err := note.GenerateKey(rand.Reader, "sum.example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in                  string
		off                 bool
		name, key, url, err string
	}{
		{in: "", name: "sum.golang.org", key: sumGolangOrgKey, url: "https://sum.golang.org"},
		{in: "sum.golang.org", name: "sum.golang.org", key: sumGolangOrgKey, url: "https://sum.golang.org"},
		{in: "sum.golang.google.cn", name: "sum.golang.org", key: sumGolangOrgKey, url: "https://sum.golang.google.cn"},
		{in: sumGolangOrgKey, name: "sum.golang.org", key: sumGolangOrgKey, url: "https://sum.golang.org"},
		{in: "sum.golang.org https://mirror.example/sumdb/", name: "sum.golang.org", key: sumGolangOrgKey, url: "https://mirror.example/sumdb"},
		{in: otherKey, name: "sum.example.com", key: otherKey, url: "https://sum.example.com"},
		{in: "off", off: true},
		{in: "sum.example.com", err: "malformed verifier key"},
		{in: otherKey + " ftp://x", err: "not an http or https URL"},
		{in: "a b c", err: "too many fields"},
	}
	for _, tt := range tests {
		db, err := ParseGOSUMDB(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseGOSUMDB(%q) error = %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("ParseGOSUMDB(%q): %v", tt.in, err)
		case tt.off:
			if db != nil {
				t.Errorf("ParseGOSUMDB(%q) = %+v, want nil", tt.in, db)
			}
		case db == nil || db.Name != tt.name || db.Key != tt.key || db.URL != tt.url:
			t.Errorf("ParseGOSUMDB(%q) = %+v, want {%s %s %s}", tt.in, db, tt.name, tt.key, tt.url)
		}
	}
}

func TestParseSources(t *testing.T) {
	for in, want := range map[string]string{
		"":             "installed proxy dl",
		"proxy":        "proxy",
		"dl, proxy,dl": "dl proxy",
		"installed":    "installed",
		"proxy,floppy": "error",
		",":            "error",
	} {
		got, err := ParseSources(in)
		s := strings.Join(got, " ")
		if err != nil {
			s = "error"
		}
		if s != want {
			t.Errorf("ParseSources(%q) = %s (%v), want %s", in, s, err, want)
		}
	}
}

func TestNewManagerEnv(t *testing.T) {
	env := map[string]string{
		"GOPROXY":          "https://a.example|https://b.example",
		"GOSUMDB":          "off",
		"GOPRIVATE":        "golang.org/*",
		"GOMATRIX_SOURCES": "proxy",
		"GOMATRIX_DL_BASE": "https://mirror.example/go",
		"GOMATRIX_OFFLINE": "1",
		"HOME":             "/home/gopher",
		"USERPROFILE":      `C:\Users\gopher`,
	}
	m, err := NewManager(t.TempDir(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Proxies) != 2 || !m.Proxies[0].AnyError || m.SumDB != nil || m.NoSumDB != "golang.org/*" ||
		fmt.Sprint(m.Sources) != "[proxy]" || m.DLBase != "https://mirror.example/go/" || !m.Offline ||
		m.SDKDir == "" || m.Parallel != 2 {
		t.Errorf("NewManager: %+v", m)
	}
	for k, v := range map[string]string{"GOMATRIX_OFFLINE": "maybe", "GOPROXY": "nope", "GOSUMDB": "x y z", "GOMATRIX_SOURCES": "floppy", "GOMATRIX_DL_BASE": "file:///x"} {
		_, err := NewManager(t.TempDir(), func(key string) string {
			if key == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), k) || !strings.Contains(err.Error(), "hint: ") && k != "GOSUMDB" {
			t.Errorf("NewManager with %s=%q: error %v, want one naming %s with a hint", k, v, err, k)
		}
	}
}

func TestViaProxies(t *testing.T) {
	notFound := &httpError{Status: 404, Text: "404 Not Found"}
	gone := &httpError{Status: 410, Text: "410 Gone"}
	broken := &httpError{Status: 500, Text: "500 Internal Server Error"}
	tests := []struct {
		goproxy string
		answers map[string]error // host → answer (absent: success)
		tried   string           // hosts tried, in order
		ok      string           // host that succeeded, or "" for failure
		errHas  string
	}{
		{goproxy: "https://a,https://b", answers: map[string]error{"a": notFound}, tried: "a b", ok: "b"},
		{goproxy: "https://a,https://b", answers: map[string]error{"a": gone}, tried: "a b", ok: "b"},
		{goproxy: "https://a,https://b", answers: map[string]error{"a": broken}, tried: "a", errHas: "a: 500"},
		{goproxy: "https://a|https://b", answers: map[string]error{"a": broken}, tried: "a b", ok: "b"},
		{goproxy: "https://a|https://b", answers: map[string]error{"a": broken, "b": notFound}, tried: "a b", errHas: "a: 500"},
		{goproxy: "https://a,https://b", answers: map[string]error{"a": notFound, "b": notFound}, tried: "a b", errHas: "a: 404"},
		{goproxy: "https://a,off,https://b", answers: map[string]error{"a": notFound}, tried: "a", errHas: "a: 404"},
		{goproxy: "off,https://b", tried: "", errHas: "disabled by GOPROXY=off"},
		{goproxy: "direct,https://b", tried: "b", ok: "b"},
		{goproxy: "direct", tried: "", errHas: "no proxy in GOPROXY"},
		{goproxy: "https://a", answers: map[string]error{"a": errors.New("dial tcp: refused")}, tried: "a", errHas: "a: dial tcp"},
	}
	for _, tt := range tests {
		proxies, err := ParseGOPROXY(tt.goproxy)
		if err != nil {
			t.Fatal(err)
		}
		m := &Manager{Proxies: proxies}
		var tried []string
		p, err := m.viaProxies(func(p Proxy) error {
			tried = append(tried, p.String())
			return tt.answers[p.String()]
		})
		if s := strings.Join(tried, " "); s != tt.tried {
			t.Errorf("GOPROXY=%s: tried %q, want %q", tt.goproxy, s, tt.tried)
		}
		if tt.ok != "" {
			if err != nil || p.String() != tt.ok {
				t.Errorf("GOPROXY=%s: got %v, %v; want success from %s", tt.goproxy, p, err, tt.ok)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("GOPROXY=%s: error %v, want %q", tt.goproxy, err, tt.errHas)
		}
	}
}

func TestErrorText(t *testing.T) {
	err := fmt.Errorf("outer: %w", withHint("do this", nil, "inner\nfailure"))
	if got, want := errorText(err), "outer: inner; failure\nhint: do this"; got != want {
		t.Errorf("errorText = %q, want %q", got, want)
	}
	if got := errorText(errors.New("a\nb")); got != "a; b" {
		t.Errorf("errorText = %q", got)
	}
}
