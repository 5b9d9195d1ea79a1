package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/report"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// tty prints plain's lines with a live status line under them, redrawn
// in place:
//
//	[ 37/480] 7% · 4 hang · 1 fail · 0:41 · ETA 8:12 · fetching 3 toolchains · busyloop go1.13.15 P=1
//
// naming the toolchains still downloading, if any. The live line is the last
// line of the terminal, drawn without a newline: every other write
// (its own lines, and the toolchain manager's through Writer) first
// erases it with "\r\x1b[K" and then draws it again below the text, so
// cursor-relative redraws by the manager's progress bars still land on
// their own lines.
type tty struct {
	mu    sync.Mutex
	o     Options
	w     io.Writer
	color bool

	total, done       int
	runTotal, runDone int // cells that run (not skipped)
	counts            map[string]int
	fetching          []string
	fetchStart        time.Time
	runStart          time.Time
	current           string // the last cell started or build done

	drawn    bool // the live line is on the screen
	partial  bool // the last write through Writer ended mid-line
	finished bool
	stop     chan struct{}
}

func newTTY(o Options) *tty {
	return &tty{o: o, w: o.Stderr, color: colorOK(o.Getenv), counts: map[string]int{}}
}

func (t *tty) FetchStarted(ts []toolchain.Toolchain) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tc := range ts {
		t.fetching = append(t.fetching, report.PlainText(versionLabel(tc)))
	}
	t.fetchStart = t.o.Now()
	t.tickLocked()
	t.redrawLocked()
}

func (t *tty) ToolchainFetched(tc toolchain.Toolchain) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, v := range t.fetching {
		if v == report.PlainText(versionLabel(tc)) {
			t.fetching = append(t.fetching[:i], t.fetching[i+1:]...)
			break
		}
	}
	t.redrawLocked()
}

func (t *tty) RunStarted(cells []*matrix.Cell) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total = len(cells)
	for _, c := range cells {
		if c.Skip == "" {
			t.runTotal++
		}
	}
	t.runStart = t.o.Now()
	t.tickLocked()
	t.redrawLocked()
}

func (t *tty) BuildDone(req build.Request, res build.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.current = report.PlainText("built " + req.Case.Name + " " + req.Toolchain.Version)
	if !t.o.Quiet {
		t.printLocked(buildLine(req, res, t.color))
	} else {
		t.redrawLocked()
	}
}

func (t *tty) CellStarted(c *matrix.Cell) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.current = report.PlainText(cellID(c))
	t.redrawLocked()
}

func (t *tty) CellDone(c *matrix.Cell, r *results.Cell) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if c.Skip == "" {
		t.runDone++
	}
	t.counts[r.Outcome]++
	if !t.o.Quiet {
		t.printLocked(cellLine(t.done, t.total, c, r, t.color))
	} else {
		t.redrawLocked()
	}
}

func (t *tty) Finish(r *results.Results) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	t.finished = true
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
	io.WriteString(t.w, claimLines(r, t.color))
}

func (t *tty) Writer() io.Writer { return ttyWriter{t} }

// A ttyWriter passes text to the terminal above the live line.
type ttyWriter struct{ t *tty }

func (w ttyWriter) Write(p []byte) (int, error) {
	t := w.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.partial {
		t.clearLocked()
	}
	n, err := t.w.Write(p)
	t.partial = len(p) > 0 && p[len(p)-1] != '\n'
	t.drawLocked()
	return n, err
}

// tickLocked starts redrawing the live line every Refresh, once.
func (t *tty) tickLocked() {
	if t.stop != nil || t.finished || t.o.Refresh < 0 {
		return
	}
	stop := make(chan struct{})
	t.stop = stop
	go func() {
		tick := time.NewTicker(t.o.Refresh)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				t.mu.Lock()
				t.redrawLocked()
				t.mu.Unlock()
			case <-stop:
				return
			}
		}
	}()
}

// printLocked prints a line above the live line.
func (t *tty) printLocked(line string) {
	t.clearLocked()
	io.WriteString(t.w, line+"\n")
	t.partial = false
	t.drawLocked()
}

func (t *tty) redrawLocked() {
	if t.partial {
		return // someone is mid-line: draw after their newline
	}
	t.clearLocked()
	t.drawLocked()
}

func (t *tty) clearLocked() {
	if t.drawn {
		io.WriteString(t.w, "\r\x1b[K")
		t.drawn = false
	}
}

func (t *tty) drawLocked() {
	if t.finished || t.partial || t.drawn {
		return
	}
	line := t.status()
	if line == "" {
		return
	}
	// One character short of the width, so the line never wraps (a
	// wrapped line would not be erased whole).
	if w := t.o.Width() - 1; w > 0 {
		line = truncate(line, w)
	}
	io.WriteString(t.w, line)
	t.drawn = true
}

// status is the live line's text.
func (t *tty) status() string {
	now := t.o.Now()
	if t.total == 0 {
		if len(t.fetching) == 0 {
			return ""
		}
		return fmt.Sprintf("fetching %s · %s", strings.Join(t.fetching, ", "), clock(now.Sub(t.fetchStart)))
	}
	parts := []string{fmt.Sprintf("[%*d/%d] %d%%", len(fmt.Sprint(t.total)), t.done, t.total, t.done*100/t.total)}
	for _, o := range []string{results.Hang, results.Fail, results.BuildError} {
		if n := t.counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	elapsed := now.Sub(t.runStart)
	parts = append(parts, clock(elapsed))
	if t.runDone > 0 && t.runDone < t.runTotal {
		eta := time.Duration(float64(elapsed) / float64(t.runDone) * float64(t.runTotal-t.runDone))
		parts = append(parts, "ETA "+clock(eta))
	}
	if f := fetchingText(t.fetching); f != "" {
		parts = append(parts, f)
	}
	if t.current != "" && t.done < t.total {
		parts = append(parts, t.current)
	}
	return strings.Join(parts, " · ")
}

// fetchingText says which toolchains are still downloading while the
// run goes on: "fetching go1.26.8", or how many when more than two.
func fetchingText(fetching []string) string {
	switch {
	case len(fetching) == 0:
		return ""
	case len(fetching) > 2:
		return fmt.Sprintf("fetching %d toolchains", len(fetching))
	}
	return "fetching " + strings.Join(fetching, ", ")
}

// clock formats a duration as m:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// truncate cuts s to n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
