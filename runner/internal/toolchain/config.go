package toolchain

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// A Proxy is one entry of GOPROXY.
type Proxy struct {
	// URL is the proxy's base URL without a trailing slash, or one of
	// the keywords "off" and "direct".
	URL string
	// AnyError reports that the entry is followed by "|": any failure of
	// this proxy falls through to the next entry. After "," (or at the
	// end of the list) only a 404 or 410 answer does.
	AnyError bool
}

// String returns the proxy's host, the short name messages use.
func (p Proxy) String() string {
	if u, err := url.Parse(p.URL); err == nil && u.Host != "" {
		return u.Host + strings.TrimSuffix(u.Path, "/")
	}
	return p.URL
}

// DefaultGOPROXY is GOPROXY's value when it is unset, as in cmd/go.
const DefaultGOPROXY = "https://proxy.golang.org,direct"

// ParseGOPROXY parses a GOPROXY value: URLs and the keywords "off" and
// "direct", separated by "," (fall through on 404/410 only) or "|" (fall
// through on any error). An empty value means DefaultGOPROXY.
func ParseGOPROXY(s string) ([]Proxy, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultGOPROXY
	}
	all := s
	var list []Proxy
	for s != "" {
		i := strings.IndexAny(s, ",|")
		entry, sep := s, byte(0)
		if i >= 0 {
			entry, sep, s = s[:i], s[i], s[i+1:]
		} else {
			s = ""
		}
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p := Proxy{URL: entry, AnyError: sep == '|'}
		switch entry {
		case "off", "direct":
		default:
			u, err := url.Parse(entry)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, withHint("name proxies by http or https URL, as in GOPROXY=https://proxy.golang.org",
					err, "GOPROXY entry %q: not an http or https URL", entry)
			}
			p.URL = strings.TrimSuffix(entry, "/")
		}
		list = append(list, p)
	}
	if len(list) == 0 {
		return nil, withHint("set GOPROXY="+DefaultGOPROXY, nil, "GOPROXY=%q: no entries", all)
	}
	return list, nil
}

// A SumDB is the checksum database that toolchain zips from a proxy are
// verified against.
type SumDB struct {
	// Name is the database's name, "sum.golang.org"; proxies serve it at
	// <proxy>/sumdb/<Name>/.
	Name string
	// Key is its verifier key (see golang.org/x/mod/sumdb/note).
	Key string
	// URL is where the database is reached when no proxy serves it.
	URL string
}

// sumGolangOrgKey is the well-known verifier key of sum.golang.org.
const sumGolangOrgKey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"

// ParseGOSUMDB parses a GOSUMDB value the way cmd/go does: "" (meaning
// sum.golang.org), "off" (nil: no verification), a known name
// ("sum.golang.org", "sum.golang.google.cn"), or "<key> [<url>]".
func ParseGOSUMDB(s string) (*SumDB, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "off":
		return nil, nil
	case "", "sum.golang.org":
		return &SumDB{Name: "sum.golang.org", Key: sumGolangOrgKey, URL: "https://sum.golang.org"}, nil
	case "sum.golang.google.cn":
		return &SumDB{Name: "sum.golang.org", Key: sumGolangOrgKey, URL: "https://sum.golang.google.cn"}, nil
	}
	f := strings.Fields(s)
	if len(f) > 2 {
		return nil, withHint("write GOSUMDB as <name>, <key> or \"<key> <url>\"", nil, "GOSUMDB=%q: too many fields", s)
	}
	key := f[0]
	if key == "sum.golang.org" {
		key = sumGolangOrgKey
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return nil, withHint("write GOSUMDB as <name>, <key> or \"<key> <url>\"; GOSUMDB=off disables verification", err,
			"GOSUMDB=%q: malformed verifier key: %v", s, err)
	}
	db := &SumDB{Name: v.Name(), Key: key, URL: "https://" + v.Name()}
	if len(f) == 2 {
		u, err := url.Parse(f[1])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, withHint("", err, "GOSUMDB=%q: %q is not an http or https URL", s, f[1])
		}
		db.URL = strings.TrimSuffix(f[1], "/")
	}
	return db, nil
}

// The sources a toolchain can come from, as GOMATRIX_SOURCES names them.
const (
	// SourceInstalled reuses toolchains golang.org/dl installed in
	// $HOME/sdk. The runner's own cache is always used.
	SourceInstalled = "installed"
	// SourceProxy downloads golang.org/toolchain modules from GOPROXY.
	SourceProxy = "proxy"
	// SourceDL downloads release archives from GOMATRIX_DL_BASE.
	SourceDL = "dl"
)

// DefaultSources is GOMATRIX_SOURCES's value when it is unset.
const DefaultSources = "installed,proxy,dl"

// ParseSources parses GOMATRIX_SOURCES: a comma-separated list of
// "installed", "proxy" and "dl", tried in that order of listing.
func ParseSources(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultSources
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case SourceInstalled, SourceProxy, SourceDL:
		case "":
			continue
		default:
			return nil, withHint("GOMATRIX_SOURCES lists some of installed, proxy, dl, e.g. GOMATRIX_SOURCES="+DefaultSources,
				nil, "GOMATRIX_SOURCES=%q: unknown source %q", s, f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, withHint("GOMATRIX_SOURCES lists some of installed, proxy, dl", nil, "GOMATRIX_SOURCES=%q: no sources", s)
	}
	return out, nil
}

// parseBool parses an on/off environment variable.
func parseBool(name, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, withHint(fmt.Sprintf("set %s=1 or leave it unset", name), nil, "%s=%q: not a boolean", name, s)
}

// DefaultDLBase is GOMATRIX_DL_BASE's value when it is unset: where
// golang.org/dl downloads release archives from.
const DefaultDLBase = "https://dl.google.com/go/"

func parseDLBase(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultDLBase, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", withHint("set it to the directory URL holding go1.X.Y.<os>-<arch>.tar.gz, like "+DefaultDLBase, err,
			"GOMATRIX_DL_BASE=%q: not an http or https URL", s)
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}
