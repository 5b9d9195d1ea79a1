package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kinds of Span.
const (
	SpanFetch   = "fetch"   // a toolchain downloaded (it holds no core)
	SpanVariant = "variant" // a toolchain rebuilt with an experiment, and the first build with it
	SpanBuild   = "build"   // one build
	SpanRuns    = "runs"    // runs one after another on one core
)

// A Span is a unit of work: when it started and ended, in milliseconds
// since the run began, and the cores it held, numbered from 0.
type Span struct {
	Kind    string  `json:"kind"`
	What    string  `json:"what"` // "go1.13.15", "busyloop go1.13.15 E=preemptibleloops", "40 runs"
	Cores   []int   `json:"cores,omitempty"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
}

// TimelineData is what a Timeline recorded: the work of a run over time,
// on the cores its scheduler had.
type TimelineData struct {
	Cores int    `json:"cores"`
	Spans []Span `json:"spans"`
}

// batchGap is the most a core may idle between two runs that one span
// holds (the dispatcher starts the next run at once).
const batchGap = 50 * time.Millisecond

// A Timeline records the work of a run as it ends (TimelineData):
// each download, rebuild and build a span of its own, the runs of each
// core in batches, one span per stretch without a pause, so that the
// record stays small. Its zero value is not usable: see NewTimeline.
// Its methods may be called from several goroutines.
type Timeline struct {
	mu    sync.Mutex
	start time.Time
	cores int
	spans []Span
	batch map[int]int // core → index in spans of its last run batch
	runs  map[int]int // index in spans of a run batch → its runs
}

// NewTimeline returns a timeline that begins now.
func NewTimeline() *Timeline {
	return &Timeline{start: time.Now(), batch: map[int]int{}, runs: map[int]int{}}
}

// setCores records the cores the scheduler has.
func (t *Timeline) setCores(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cores = n
}

// Add records a span of kind (SpanFetch…) that ran from start to
// end on cores. A run (kind SpanRuns) joins its core's batch when
// it follows it closely. A nil Timeline records nothing.
func (t *Timeline) Add(kind, what string, cores []int, start, end time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Span{Kind: kind, What: what, Cores: cores, StartMS: t.since(start), EndMS: t.since(end)}
	if kind != SpanRuns {
		t.spans = append(t.spans, s)
		return
	}
	for _, c := range cores {
		t.addRun(c, s)
	}
}

// addRun adds run s to core c's batch, or starts a new one. t.mu is held.
func (t *Timeline) addRun(c int, s Span) {
	if i, ok := t.batch[c]; ok && s.StartMS-t.spans[i].EndMS <= float64(batchGap.Milliseconds()) {
		t.runs[i]++
		t.spans[i].EndMS = max(t.spans[i].EndMS, s.EndMS)
		t.spans[i].What = fmt.Sprintf("%d runs", t.runs[i])
		return
	}
	s.Cores, s.What = []int{c}, "1 run"
	t.batch[c] = len(t.spans)
	t.runs[len(t.spans)] = 1
	t.spans = append(t.spans, s)
}

func (t *Timeline) since(at time.Time) float64 { return float64(at.Sub(t.start).Microseconds()) / 1000 }

// Data returns what t recorded, the spans by start.
func (t *Timeline) Data() *TimelineData {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans := slices.Clone(t.spans)
	slices.SortStableFunc(spans, func(a, b Span) int {
		switch {
		case a.StartMS < b.StartMS:
			return -1
		case a.StartMS > b.StartMS:
			return 1
		}
		return 0
	})
	return &TimelineData{Cores: t.cores, Spans: spans}
}

// chartMarks are the letters of the kinds in a chart.
var chartMarks = map[string]byte{SpanFetch: 'D', SpanVariant: 'V', SpanBuild: 'B', SpanRuns: 'R'}

// Chart draws tl as text, a row per core and a row per concurrent
// download, width columns wide: each column is a slice of the run's wall
// time, marked with the kind of work that took most of it on that row
// (D download, V toolchain rebuild, B build, R run), '.' when the row was
// idle for most of it.
func Chart(tl *TimelineData, width int) string {
	end := 0.0
	for _, s := range tl.Spans {
		end = max(end, s.EndMS)
	}
	if end == 0 || width < 1 {
		return "(no work recorded)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d columns of %.1f s each; D download, V toolchain rebuild (+ its first build), B build, R run, . idle\n", width, end/1000/float64(width))
	for _, r := range chartRows(tl) {
		fmt.Fprintf(&b, "%-6s |%s|\n", r.name, r.draw(width, end))
	}
	fmt.Fprintf(&b, "%-6s  0 s%*s\n", "", width-2, fmt.Sprintf("%.0f s", end/1000))
	return b.String()
}

// A chartRow is the spans drawn on one row.
type chartRow struct {
	name  string
	spans []Span
}

// chartRows puts each core's spans on a row of its own, and the
// downloads on as few rows as they fit (lanes), below.
func chartRows(tl *TimelineData) []*chartRow {
	rows := make([]*chartRow, tl.Cores)
	for i := range rows {
		rows[i] = &chartRow{name: fmt.Sprintf("core %d", i)}
	}
	var lanes []*chartRow
	var laneEnd []float64
	for _, s := range tl.Spans {
		if len(s.Cores) == 0 {
			i := slices.IndexFunc(laneEnd, func(e float64) bool { return e <= s.StartMS })
			if i < 0 {
				i = len(lanes)
				lanes = append(lanes, &chartRow{name: fmt.Sprintf("net %d", i)})
				laneEnd = append(laneEnd, 0)
			}
			lanes[i].spans = append(lanes[i].spans, s)
			laneEnd[i] = s.EndMS
			continue
		}
		for _, c := range s.Cores {
			if c < len(rows) {
				rows[c].spans = append(rows[c].spans, s)
			}
		}
	}
	return append(rows, lanes...)
}

// draw renders the row in width columns spanning 0…end ms.
func (r *chartRow) draw(width int, end float64) string {
	col := end / float64(width)
	busy := make([]map[byte]float64, width)
	for _, s := range r.spans {
		for i := int(s.StartMS / col); i < width && float64(i)*col < s.EndMS; i++ {
			lo, hi := max(s.StartMS, float64(i)*col), min(s.EndMS, float64(i+1)*col)
			if hi > lo {
				if busy[i] == nil {
					busy[i] = map[byte]float64{}
				}
				busy[i][chartMarks[s.Kind]] += hi - lo
			}
		}
	}
	line := make([]byte, width)
	for i, m := range busy {
		line[i] = '.'
		most := col / 2 // idle unless busy for half the column
		for _, k := range []byte("DVBR") {
			if m[k] > most {
				line[i], most = k, m[k]
			}
		}
	}
	return string(line)
}
