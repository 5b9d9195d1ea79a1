package toolchain

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A progress reports fetches to a writer: on a terminal, a bar per fetch
// redrawn in place; elsewhere, one line when a fetch starts and one when
// it ends, with size and seconds, so logs stay readable.
type progress struct {
	w   io.Writer
	tty bool

	mu     sync.Mutex
	bars   []*bar
	drawn  int // lines drawn by the last redraw
	ticker *time.Ticker
	done   chan struct{}
}

func newProgress(w io.Writer, tty bool) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, tty: tty}
}

// A bar is one fetch's progress.
type bar struct {
	p       *progress
	name    string // "go1.13.15"
	from    string // source, "proxy.golang.org"
	start   time.Time
	phase   atomic.Value // string: "download", "extract"
	total   atomic.Int64
	current atomic.Int64
}

// notef prints a line above the bars.
func (p *progress) notef(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, format+"\n", args...)
	p.drawLocked()
}

// start begins a fetch of name from source, size bytes (0 if unknown).
func (p *progress) start(name, from string, size int64) *bar {
	b := &bar{p: p, name: name, from: from, start: time.Now()}
	b.phase.Store("download")
	b.total.Store(size)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		if size > 0 {
			fmt.Fprintf(p.w, "fetch %s: downloading %s from %s\n", name, mb(size), from)
		} else {
			fmt.Fprintf(p.w, "fetch %s: downloading from %s\n", name, from)
		}
		return b
	}
	p.clearLocked()
	p.bars = append(p.bars, b)
	p.drawLocked()
	if p.ticker == nil {
		p.ticker = time.NewTicker(150 * time.Millisecond)
		p.done = make(chan struct{})
		go p.loop(p.ticker, p.done)
	}
	return b
}

func (p *progress) loop(t *time.Ticker, done chan struct{}) {
	for {
		select {
		case <-t.C:
			p.mu.Lock()
			p.clearLocked()
			p.drawLocked()
			p.mu.Unlock()
		case <-done:
			return
		}
	}
}

// add counts n more bytes of the current phase. Like every method of
// bar, it does nothing on a nil bar.
func (b *bar) add(n int64) {
	if b != nil {
		b.current.Add(n)
	}
}

// setPhase starts a new phase (extract) of total bytes.
func (b *bar) setPhase(phase string, total int64) {
	if b == nil {
		return
	}
	b.phase.Store(phase)
	b.current.Store(0)
	b.total.Store(total)
}

// end finishes the bar: with err nil, a line saying size and seconds.
func (b *bar) end(size int64, err error) {
	if b == nil {
		return
	}
	p := b.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	secs := time.Since(b.start).Seconds()
	if err != nil {
		fmt.Fprintf(p.w, "fetch %s: failed after %.1f s: %s\n", b.name, secs, lineOf(err))
	} else {
		fmt.Fprintf(p.w, "fetch %s: done from %s, %s in %.1f s\n", b.name, b.from, mb(size), secs)
	}
	for i, x := range p.bars {
		if x == b {
			p.bars = append(p.bars[:i], p.bars[i+1:]...)
			break
		}
	}
	if len(p.bars) == 0 && p.ticker != nil {
		p.ticker.Stop()
		close(p.done)
		p.ticker, p.done = nil, nil
	}
	p.drawLocked()
}

// clearLocked erases the bars drawn last (cursor up, clear line).
func (p *progress) clearLocked() {
	if !p.tty || p.drawn == 0 {
		return
	}
	fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
	p.drawn = 0
}

func (p *progress) drawLocked() {
	if !p.tty {
		return
	}
	var sb strings.Builder
	for _, b := range p.bars {
		sb.WriteString(b.line())
		sb.WriteByte('\n')
	}
	io.WriteString(p.w, sb.String())
	p.drawn = len(p.bars)
}

// line renders "go1.13.15  download [=========>      ]  60%  68.2/114.0 MB".
func (b *bar) line() string {
	const width = 24
	cur, total := b.current.Load(), b.total.Load()
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(cur)/float64(total))
	}
	n := int(frac * width)
	fill := strings.Repeat("=", n)
	if n < width {
		fill += ">" + strings.Repeat(" ", width-n-1)
	}
	sizes := mb(cur)
	if total > 0 {
		sizes = fmt.Sprintf("%.1f/%s", float64(cur)/1e6, mb(total))
	}
	return fmt.Sprintf("%-10s %-8s [%s] %3.0f%%  %s", b.name, b.phase.Load(), fill, frac*100, sizes)
}

// mb formats a byte count in megabytes.
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
