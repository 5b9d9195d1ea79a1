package toolchain

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressTTY(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, true)
	b := p.start("go1.13.15", "proxy.golang.org", 1000)
	b.add(500)
	p.mu.Lock()
	p.clearLocked()
	p.drawLocked()
	p.mu.Unlock()
	b.end(1000, nil)
	out := buf.String()
	for _, want := range []string{"go1.13.15  download [============>           ]  50%  0.0/0.0 MB", "\x1b[1A\x1b[J", "fetch go1.13.15: done from proxy.golang.org, 0.0 MB in"} {
		if !strings.Contains(out, want) {
			t.Errorf("TTY progress lacks %q:\n%q", want, out)
		}
	}
}
