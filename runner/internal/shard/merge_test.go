package shard

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// Merging every shard of a plan, given in any order, gives what a run of
// the whole matrix gives: the same cells, in matrix order.
func TestMergeEqualsWholeRun(t *testing.T) {
	m, cells := axes{versions: minors(20, 22), cases: 3, procs: []int{1, 2}, exps: []string{"", "x"}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 5})
	in := shardRuns(p, linux)
	slices.Reverse(in)
	mg, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	whole := wholeRun(p.MatrixHash, cells, linux).Results
	if got, want := keysOf(mg.Results.Cells), keysOf(whole.Cells); !slices.Equal(got, want) {
		t.Errorf("merged cells:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r := mg.Results
	if mg.Problems() != 0 || !r.Complete || len(mg.Hosts) != 0 || mg.OS != nil || r.Host != linux {
		t.Errorf("problems %d, complete %v, hosts %v, os %v, host %v", mg.Problems(), r.Complete, mg.Hosts, mg.OS, r.Host)
	}
	if r.Stats.WallMS != 5 || r.Stats.Runs != len(cells) || r.Started.Minute() != 1 || r.Finished.Minute() != 5 {
		t.Errorf("stats %+v, started %v, finished %v", r.Stats, r.Started, r.Finished)
	}
	if len(mg.Inputs) != 5 || mg.Inputs[0].Shard != "1/5" || mg.Inputs[0].Plan != p.ID {
		t.Errorf("inputs %+v", mg.Inputs)
	}
}

func TestMergeRefusesOtherMatrices(t *testing.T) {
	m, cells := axes{versions: []string{"go1.26.8"}, selector: "stable", cases: 2}.expand(t)
	m2, cells2 := axes{versions: []string{"go1.26.9"}, selector: "stable", cases: 2}.expand(t)
	a := shardRuns(mustPlan(t, m, cells, Options{Shards: 2}), linux)
	b := shardRuns(mustPlan(t, m2, cells2, Options{Shards: 2}), linux)
	for _, in := range []*Input{a[0], b[1]} {
		in.Results.Matrix.Versions = []string{"stable"}
		in.Results.Toolchains = []toolchain.Toolchain{{Selector: "stable", Version: in.Results.Cells[0].Go}}
	}
	// The same matrix, resolved on one platform before and after a Go
	// release.
	_, err := Merge([]*Input{a[0], b[1]})
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Platform != "linux/amd64" {
		t.Fatalf("merge of two resolutions: %v", err)
	}
	for _, want := range []string{"resolved the matrix differently on linux/amd64", "toolchains of stable: [go1.26.8] vs [go1.26.9]", "hint: merge the shards of one plan"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%s", want, err)
		}
	}
	// Two matrices as written.
	b[1].Meta.SourceHash = "other"
	if _, err := Merge([]*Input{a[0], b[1]}); !errors.As(err, &mm) || mm.Platform != "" || !strings.Contains(err.Error(), "are of different matrices") {
		t.Errorf("merge of two matrices: %v", err)
	}
	// Without source hashes, resolved matrices must agree across hosts.
	windows := shardRun(mustPlan(t, m2, cells2, Options{Shards: 2}), mustPlan(t, m2, cells2, Options{Shards: 2}).Shards[1], results.Host{GOOS: "windows", GOARCH: "amd64"})
	a[0].Meta.SourceHash, windows.Meta.SourceHash = "", ""
	if _, err := Merge([]*Input{a[0], windows}); !errors.As(err, &mm) {
		t.Errorf("merge of two resolutions without source hashes: %v", err)
	}

	a[1].Meta.MatrixHash = ""
	if _, err := Merge(a); err == nil || !strings.Contains(err.Error(), "records no matrix hash") {
		t.Errorf("merge of a result without hash: %v", err)
	}
	if _, err := Merge(nil); err == nil {
		t.Error("merge of nothing: no error")
	}
}

// Platforms resolve a matrix to different cells (darwin/arm64 has no
// release before go1.16): their results still merge, and a cell one
// platform could not have is not missing there.
func TestMergePlatformsResolveDifferently(t *testing.T) {
	mLinux, cellsLinux := axes{versions: minors(15, 17), cases: 2}.expand(t)
	mMac, cellsMac := axes{versions: minors(16, 17), cases: 2}.expand(t)
	darwin := results.Host{GOOS: "darwin", GOARCH: "arm64", CPUs: 3}
	pl := mustPlan(t, mLinux, cellsLinux, Options{Shards: 2})
	pm := mustPlan(t, mMac, cellsMac, Options{Shards: 2})
	if pl.MatrixHash == pm.MatrixHash {
		t.Fatal("different cells, one hash")
	}
	mg, err := Merge(append(shardRuns(pl, linux), shardRuns(pm, darwin)...))
	if err != nil {
		t.Fatal(err)
	}
	if mg.Problems() != 0 || !mg.Results.Complete || mg.MatrixHash != "" || mg.SourceHash != testSource {
		t.Errorf("problems %d (%q), complete %v, hashes %q %q", mg.Problems(), mg.Missing, mg.Results.Complete, mg.MatrixHash, mg.SourceHash)
	}
	if n := len(mg.Results.Cells); n != len(cellsLinux)+len(cellsMac) {
		t.Errorf("%d cells", n)
	}
	// In matrix order, each cell once per host that has it.
	var got []string
	for i := range mg.Results.Cells {
		got = append(got, ResultKey(&mg.Results.Cells[i])+" on "+mg.OS[i])
	}
	var want []string
	for _, c := range cellsLinux {
		if c.Toolchain.Version != "go1.15.5" {
			want = append(want, CellKey(c)+" on darwin/arm64")
		}
		want = append(want, CellKey(c)+" on linux/amd64")
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged order:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestMergeOrders(t *testing.T) {
	for _, tt := range []struct {
		seqs [][]string
		want string
	}{
		{[][]string{{"a", "b", "c"}}, "a b c"},
		{[][]string{{"b", "c"}, {"a", "b", "c", "d"}}, "a b c d"},
		{[][]string{{"a", "c"}, {"a", "b", "c"}, {"a", "c", "d"}}, "a b c d"},
		{[][]string{{"x", "a"}, {"a", "b"}}, "x a b"},
		{nil, ""},
	} {
		rank := mergeOrders(tt.seqs)
		got := make([]string, len(rank))
		for k, i := range rank {
			got[i] = k
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("mergeOrders(%q) = %q, want %q", tt.seqs, got, tt.want)
		}
	}
}

// A shard not given, a cell a shard did not finish, and a shard given
// twice are all reported; the merge is then incomplete.
func TestMergeMissingAndDuplicates(t *testing.T) {
	m, cells := axes{versions: minors(20, 21), cases: 3, procs: []int{1, 2}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 3})
	in := shardRuns(p, linux)
	// Shard 1 was interrupted before its last cell.
	s1 := in[0].Results
	lost := ResultKey(&s1.Cells[len(s1.Cells)-1])
	s1.Cells, s1.Complete = s1.Cells[:len(s1.Cells)-1], false
	// Shard 2 was given twice; shard 3 not at all.
	again := shardRun(p, p.Shards[1], linux)
	again.Name = "again/results.json"
	mg, err := Merge([]*Input{in[0], in[1], again})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{lost + " (shard 1/3)"}; !slices.Equal(mg.Missing, want) {
		t.Errorf("missing %q, want %q", mg.Missing, want)
	}
	if len(mg.MissingShards) != 1 || !strings.HasPrefix(mg.MissingShards[0], "shard 3/3 of plan "+p.ID) {
		t.Errorf("missing shards %q", mg.MissingShards)
	}
	if len(mg.Duplicates) != len(p.Shards[1].Cells) || !strings.Contains(mg.Duplicates[0], ": in ") {
		t.Errorf("duplicates %q", mg.Duplicates)
	}
	if mg.Results.Complete || mg.Problems() != 2+len(p.Shards[1].Cells) {
		t.Errorf("complete %v, problems %d", mg.Results.Complete, mg.Problems())
	}
	if n := len(mg.Results.Cells); n != len(p.Shards[0].Cells)-1+len(p.Shards[1].Cells) {
		t.Errorf("%d cells merged", n)
	}
}

// The same plan run on three operating systems merges with the OS as an
// axis; what one host lacks, another names.
func TestMergeHosts(t *testing.T) {
	m, cells := axes{versions: minors(21, 22), cases: 2, procs: []int{1, 2}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 2})
	windows := results.Host{GOOS: "windows", GOARCH: "amd64", CPUs: 4}
	darwin := results.Host{GOOS: "darwin", GOARCH: "arm64", CPUs: 3}
	in := append(shardRuns(p, windows), shardRuns(p, linux)...)
	in = append(in, shardRun(p, p.Shards[0], darwin)) // darwin's shard 2/2 failed to upload
	mg, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range mg.Hosts {
		names = append(names, HostName(h))
	}
	if want := []string{"darwin/arm64", "linux/amd64", "windows/amd64"}; !slices.Equal(names, want) {
		t.Fatalf("hosts %v, want %v", names, want)
	}
	if len(mg.OS) != len(mg.Results.Cells) || len(mg.Results.Cells) != 2*len(cells)+len(p.Shards[0].Cells) {
		t.Fatalf("%d cells, %d os values", len(mg.Results.Cells), len(mg.OS))
	}
	// Matrix order first, then hosts in order.
	first := ResultKey(&mg.Results.Cells[0])
	if first != CellKey(cells[0]) || mg.OS[0] != "darwin/arm64" || mg.OS[1] != "linux/amd64" || mg.OS[2] != "windows/amd64" {
		t.Errorf("first cells %s on %v", first, mg.OS[:3])
	}
	if len(mg.Missing) != len(p.Shards[1].Cells) || !strings.HasSuffix(mg.Missing[0], " on darwin/arm64 (another host ran it)") {
		t.Errorf("missing %q", mg.Missing)
	}
	if len(mg.MissingShards) != 1 || !strings.HasPrefix(mg.MissingShards[0], "shard 2/2 on darwin/arm64") {
		t.Errorf("missing shards %q", mg.MissingShards)
	}
	per := mg.ByHost()
	if len(per) != 3 || per[1].Host != linux || len(per[1].Cells) != len(cells) || len(per[0].Cells) != len(p.Shards[0].Cells) {
		t.Errorf("by host: %d results", len(per))
	}
	if !slices.Equal(keysOf(per[1].Cells), keysOf(wholeRun("", cells, linux).Results.Cells)) {
		t.Error("linux's share is not a whole run on linux")
	}
}

// The merged results.json reads back, as results and as an input to
// another merge, with the hash, the hosts and each cell's OS.
func TestMergedJSON(t *testing.T) {
	m, cells := axes{versions: minors(21, 21), cases: 2, debugs: []string{"", "a=1"}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 2})
	windows := results.Host{GOOS: "windows", GOARCH: "amd64", CPUs: 4}
	mg, err := Merge(append(shardRuns(p, linux), shardRuns(p, windows)...))
	if err != nil {
		t.Fatal(err)
	}
	mg.Results.Matrix.Filter = []string{"version=<1.22"}
	data, err := mg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"matrix_hash": "` + p.MatrixHash + `"`, `"os": "windows/amd64"`, `"hosts": [`, `"merged": [`, `"version=<1.22"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("merged results.json lacks %s", want)
		}
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ReadInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Meta.MatrixHash != p.MatrixHash || len(in.Meta.Hosts) != 2 || len(in.Results.Cells) != 2*len(cells) || in.host(1) != "windows/amd64" {
		t.Errorf("read back: hash %s, hosts %v, %d cells", in.Meta.MatrixHash, in.Meta.Hosts, len(in.Results.Cells))
	}
	again, err := Merge([]*Input{in})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keysOf(again.Results.Cells), keysOf(mg.Results.Cells)) || !slices.Equal(again.OS, mg.OS) {
		t.Error("a merged result merged again changes")
	}
}

// What each shard recorded about its costs reaches the merged results,
// for plans to learn from (plan -from): every shard's rebuilds, a
// download's figures from whichever shard downloaded the toolchain, and
// the work counters summed.
func TestMergeKeepsCosts(t *testing.T) {
	m, cells := axes{versions: minors(21, 22), cases: 2, procs: []int{1, 2}}.expand(t)
	p := mustPlan(t, m, cells, Options{Shards: 2})
	in := shardRuns(p, linux)
	tc := func(fetch *toolchain.Fetch) toolchain.Toolchain {
		return toolchain.Toolchain{Selector: "1.21", Version: "go1.21.13", Fetch: fetch}
	}
	fetched := &toolchain.Fetch{Bytes: 70 << 20, MS: 4200}
	in[0].Results.Toolchains = []toolchain.Toolchain{tc(nil)} // its cache had it
	in[1].Results.Toolchains = []toolchain.Toolchain{tc(fetched)}
	for i, x := range in {
		x.Results.Rebuilds = []results.Rebuild{{Go: "go1.1" + strconv.Itoa(3+i) + ".15", GOEXPERIMENT: "preemptibleloops", MS: 27000}}
		x.Results.Stats.Reused = i + 1
	}
	mg, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	r := mg.Results
	if len(r.Toolchains) != 1 || r.Toolchains[0].Fetch == nil || *r.Toolchains[0].Fetch != *fetched {
		t.Errorf("toolchains %+v, want go1.21.13 with shard 2's download", r.Toolchains)
	}
	if len(r.Rebuilds) != 2 || r.Rebuilds[0].Go != "go1.13.15" || r.Rebuilds[1].Go != "go1.14.15" {
		t.Errorf("rebuilds %+v, want both shards'", r.Rebuilds)
	}
	if r.Stats.Reused != 3 {
		t.Errorf("reused %d, want 3", r.Stats.Reused)
	}
}
