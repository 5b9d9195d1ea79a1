package toolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// defaultHTTPClient has connection timeouts but no overall one: a
// toolchain download takes as long as it takes, and contexts cancel it.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	t.MaxIdleConnsPerHost = 8
	return &http.Client{Transport: t}
}

// get sends a GET for url and returns the response if it is a 200; any
// other status is an *httpError.
func (m *Manager) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.HTTP.Do(req)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, &httpError{URL: url, Status: resp.StatusCode, Text: resp.Status}
	}
	return resp, nil
}

// getBytes returns the body at url, at most limit bytes of it.
func (m *Manager) getBytes(ctx context.Context, url string, limit int64) ([]byte, error) {
	resp, err := m.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, unwrapURLError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: answer larger than %d bytes", url, limit)
	}
	return data, nil
}

// download streams the body of resp into a new file at dst, feeding every
// byte to also (a hash, a progress counter) on the way. A body shorter
// than its Content-Length is an error, and so a partial file is never
// left behind: dst is removed on any failure.
func download(resp *http.Response, dst string, also io.Writer) (n int64, err error) {
	defer resp.Body.Close()
	f, err := createFile(dst, 0o644)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	w := io.Writer(f)
	if also != nil {
		w = io.MultiWriter(f, also)
	}
	n, err = io.CopyBuffer(w, resp.Body, make([]byte, 1<<20))
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return n, err
		}
		return n, fmt.Errorf("read body after %d bytes: %w", n, unwrapURLError(err))
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("truncated download: %d of %d bytes", n, resp.ContentLength)
	}
	return n, nil
}

// unwrapURLError drops *url.Error's "Get \"<url>\": " prefix, since
// messages here name the source themselves.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// viaProxies calls try with each GOPROXY entry in turn, following cmd/go's
// fallback rules: after an entry followed by "," only a 404 or 410 falls
// through to the next; after "|" any error does; "off" stops with an
// error; "direct" is skipped, since only proxies serve toolchains. It
// returns the proxy that succeeded, or the error that ended the walk: the
// failure that stopped it, or at the end of the list the first failure
// that was not a 404/410, else the first 404/410.
func (m *Manager) viaProxies(try func(p Proxy) error) (Proxy, error) {
	var best error
	for _, p := range m.Proxies {
		switch p.URL {
		case "off":
			if best != nil {
				return p, best
			}
			return p, withHint("set GOPROXY=https://proxy.golang.org, or install toolchains with golang.org/dl into ~/sdk",
				nil, "toolchain download disabled by GOPROXY=off")
		case "direct":
			continue
		}
		err := try(p)
		if err == nil {
			return p, nil
		}
		err = &proxyError{proxy: p, err: err}
		if best == nil || (isNotFound(best) && !isNotFound(err)) {
			best = err
		}
		if !isNotFound(err) && !p.AnyError {
			return p, err
		}
	}
	if best != nil {
		return Proxy{}, best
	}
	return Proxy{}, withHint("set GOPROXY=https://proxy.golang.org (toolchains are served by proxies, not by direct)",
		nil, "no proxy in GOPROXY")
}

// A proxyError is a failure of one proxy, named by its host.
type proxyError struct {
	proxy Proxy
	err   error
}

func (e *proxyError) Error() string { return e.proxy.String() + ": " + e.err.Error() }
func (e *proxyError) Unwrap() error { return e.err }
