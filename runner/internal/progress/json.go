package progress

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// jsonEvents writes one JSON object per line (--json), for tools that
// follow a run. Every event has "time" (RFC 3339, UTC) and "event":
//
//	toolchains-fetching  toolchains: [{selector, version}]
//	toolchain-fetched    toolchain: {selector, version, goroot, source, error, fetch: {bytes, ms}}
//	run-started          total: cells, including skipped ones
//	build-finished       case, go, goexperiment, go_line_axis, duration_ms, go_line, error, ice
//	cell-started         id, case, go, gomaxprocs, godebug, goexperiment, go_line_axis
//	cell-finished        id, done, total, cell: the cell as results.json records it
//	run-finished         complete, cells, total, counts: {outcome: n},
//	                     claims: [{id, verdict}], elapsed_ms
//
// id names a cell the same way in both of its events, and as reports
// do: "busyloop go1.13.15 P=1 E=preemptibleloops", with the versions
// entry in place of go when the toolchain could not be had, and each
// setting only when the cell sets it (" L=1.22" with a go_line axis). go_line_axis is that axis's value, left out without
// one; go_line the go line the build used. Consumers should ignore
// events and fields they do not know: more may come.
type jsonEvents struct {
	mu    sync.Mutex
	enc   *json.Encoder
	now   func() time.Time
	start time.Time
	total int
	done  int
}

func newJSON(o Options) *jsonEvents {
	enc := json.NewEncoder(o.Stdout)
	enc.SetEscapeHTML(false)
	return &jsonEvents{enc: enc, now: o.Now, start: o.Now()}
}

// event is the fields every event has, then its own.
type event struct {
	Time  string `json:"time"`
	Event string `json:"event"`
	// toolchains-fetching, toolchain-fetched
	Toolchains []jsonToolchain      `json:"toolchains,omitempty"`
	Toolchain  *toolchain.Toolchain `json:"toolchain,omitempty"`
	// build-finished, cell-started
	ID           string   `json:"id,omitempty"`
	Case         string   `json:"case,omitempty"`
	Go           string   `json:"go,omitempty"`
	GOMAXPROCS   *int     `json:"gomaxprocs,omitempty"`
	GODEBUG      *string  `json:"godebug,omitempty"`
	GOEXPERIMENT *string  `json:"goexperiment,omitempty"`
	GoLineAxis   string   `json:"go_line_axis,omitempty"`
	DurationMS   *float64 `json:"duration_ms,omitempty"`
	GoLine       string   `json:"go_line,omitempty"`
	Error        string   `json:"error,omitempty"`
	ICE          bool     `json:"ice,omitempty"`
	// cell-finished, run-started, run-finished
	Done  *int          `json:"done,omitempty"`
	Total *int          `json:"total,omitempty"`
	Cell  *results.Cell `json:"cell,omitempty"`
	// run-finished
	Complete  *bool          `json:"complete,omitempty"`
	Cells     *int           `json:"cells,omitempty"`
	Counts    map[string]int `json:"counts,omitempty"`
	Claims    []jsonClaim    `json:"claims,omitempty"`
	ElapsedMS *float64       `json:"elapsed_ms,omitempty"`
}

type jsonToolchain struct {
	Selector string `json:"selector"`
	Version  string `json:"version,omitempty"`
}

type jsonClaim struct {
	ID      string `json:"id"`
	Verdict string `json:"verdict"`
}

func ptr[T any](v T) *T { return &v }

func (j *jsonEvents) emit(e event) {
	e.Time = j.now().UTC().Format(time.RFC3339Nano)
	j.enc.Encode(e) // a consumer gone away must not stop the run
}

func (j *jsonEvents) FetchStarted(ts []toolchain.Toolchain) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := event{Event: "toolchains-fetching"}
	for _, t := range ts {
		e.Toolchains = append(e.Toolchains, jsonToolchain{t.Selector, t.Version})
	}
	j.emit(e)
}

func (j *jsonEvents) ToolchainFetched(t toolchain.Toolchain) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.emit(event{Event: "toolchain-fetched", Toolchain: &t})
}

func (j *jsonEvents) RunStarted(cells []*matrix.Cell) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.total = len(cells)
	j.emit(event{Event: "run-started", Total: ptr(len(cells))})
}

func (j *jsonEvents) BuildDone(req build.Request, res build.Result) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.emit(event{Event: "build-finished", Case: req.Case.Name, Go: req.Toolchain.Version, GOEXPERIMENT: ptr(req.GOEXPERIMENT), GoLineAxis: req.GoLine,
		DurationMS: ptr(float64(res.Duration.Microseconds()) / 1000), GoLine: res.GoLine, Error: res.Error, ICE: res.ICE})
}

func (j *jsonEvents) CellStarted(c *matrix.Cell) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.emit(event{Event: "cell-started", ID: cellID(c), Case: c.Case.Name, Go: versionLabel(c.Toolchain),
		GOMAXPROCS: ptr(c.GOMAXPROCS), GODEBUG: ptr(c.GODEBUG), GOEXPERIMENT: ptr(c.GOEXPERIMENT), GoLineAxis: c.GoLine})
}

func (j *jsonEvents) CellDone(c *matrix.Cell, r *results.Cell) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.done++
	j.emit(event{Event: "cell-finished", ID: cellID(c), Done: ptr(j.done), Total: ptr(j.total), Cell: r})
}

func (j *jsonEvents) Finish(r *results.Results) {
	j.mu.Lock()
	defer j.mu.Unlock()
	counts := map[string]int{}
	for _, c := range r.Cells {
		counts[c.Outcome]++
	}
	e := event{Event: "run-finished", Complete: ptr(r.Complete), Cells: ptr(len(r.Cells)), Total: ptr(j.total), Counts: counts,
		ElapsedMS: ptr(float64(j.now().Sub(j.start).Milliseconds()))}
	for _, c := range r.Claims {
		e.Claims = append(e.Claims, jsonClaim{c.ID, c.Verdict})
	}
	j.emit(e)
}

func (j *jsonEvents) Writer() io.Writer { return io.Discard }
