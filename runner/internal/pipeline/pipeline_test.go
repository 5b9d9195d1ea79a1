package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

// writeMatrix writes a matrix of three cases under the local Go and
// returns its path: 3 cases × 4 GOMAXPROCS × 3 GODEBUG × 2 GOEXPERIMENT.
func writeMatrix(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []string{"alpha", "beta", "gamma"} {
		d := filepath.Join(dir, "cases", c)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf("package main\n\nfunc main() { println(%q) }\n", c)
		if err := os.WriteFile(filepath.Join(d, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "matrix.yaml")
	yaml := `versions: [local]
gomaxprocs: [1, 2, 3, 4]
godebug: ["", "asyncpreemptoff=1", "gctrace=0"]
goexperiment: ["", "fieldtrack"]
cases: [cases/*]
timeout: 1s
`
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func testEnv(t *testing.T) Env {
	cache := t.TempDir()
	return Env{Getenv: func(k string) string {
		switch k {
		case "GOMATRIX_CACHE":
			return cache
		case "GOMATRIX_OFFLINE":
			return "1" // local resolves without the list of releases
		}
		return os.Getenv(k)
	}, Progress: testWriter{t}}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func keys(cells []*matrix.Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = shard.CellKey(c)
	}
	return out
}

// 'gomatrix plan' and every 'gomatrix run -shard i/N' derive the same cells
// from the same inputs: each shard job runs exactly the cells the plan
// gave it, and the shards together are the whole matrix, in order.
func TestShardsDeriveThePlannedCells(t *testing.T) {
	env, file := testEnv(t), writeMatrix(t)
	ctx := context.Background()
	only := matrix.Filter{}
	only.Add("godebug=")
	only.Add("godebug=asyncpreemptoff=1")
	for _, o := range []Options{{File: file}, {File: file, Only: only}} {
		whole, err := Prepare(ctx, env, o)
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 7; n++ {
			plan, err := whole.PlanShards(n, "")
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for i, planned := range plan.Shards {
				so := o
				so.Shard, so.PlanID = fmt.Sprintf("%d/%d", i+1, n), plan.ID
				job, err := Prepare(ctx, env, so)
				if err != nil {
					t.Fatalf("shard %s: %v", so.Shard, err)
				}
				if got, want := keys(job.Cells), planned.Keys(); !slices.Equal(got, want) {
					t.Errorf("shard %s of %d cells: the job derives\n%q\nthe plan gave it\n%q", so.Shard, len(whole.Cells), got, want)
				}
				if job.MatrixHash != whole.MatrixHash || job.SourceHash != whole.SourceHash || job.Shard.Plan != plan.ID {
					t.Errorf("shard %s: hashes %s %s plan %s, want %s %s %s", so.Shard, job.MatrixHash, job.SourceHash, job.Shard.Plan, whole.MatrixHash, whole.SourceHash, plan.ID)
				}
				all = append(all, keys(job.Cells)...)
			}
			slices.SortStableFunc(all, func(a, b string) int { return slices.Index(keys(whole.Cells), a) - slices.Index(keys(whole.Cells), b) })
			if want := keys(whole.Cells); !slices.Equal(all, want) {
				t.Errorf("%d shards: together %d cells, want the matrix's %d", n, len(all), len(want))
			}
		}
	}
}

// A job whose plan differs from the one it was given refuses to run.
func TestShardPlanMismatch(t *testing.T) {
	env, file := testEnv(t), writeMatrix(t)
	_, err := Prepare(context.Background(), env, Options{File: file, Shard: "1/2", PlanID: "not-this-plan"})
	var ie *InputError
	if err == nil || !strings.Contains(err.Error(), "not not-this-plan") || !asInput(err, &ie) {
		t.Errorf("err = %v, want an InputError naming the plan", err)
	}
	for _, o := range []Options{{File: file, Shard: "3/2"}, {File: file, From: "x.json"}, {File: filepath.Join(t.TempDir(), "none.yaml")}} {
		if _, err := Prepare(context.Background(), env, o); !asInput(err, &ie) {
			t.Errorf("%+v: err = %v, want an InputError", o, err)
		}
	}
}

func asInput(err error, ie **InputError) bool {
	e, ok := err.(*InputError)
	*ie = e
	return ok
}

// The record of the matrix in results.json does not depend on map order:
// the -only filter is by key, then in the order given.
func TestMatrixInfoIsReproducible(t *testing.T) {
	m, cases, err := Load(writeMatrix(t))
	if err != nil {
		t.Fatal(err)
	}
	f := matrix.Filter{}
	for _, s := range []string{"version=local", "gomaxprocs=2", "case=beta", "case=alpha", "godebug=", "goexperiment=fieldtrack"} {
		if err := f.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"case=beta", "case=alpha", "godebug=", "goexperiment=fieldtrack", "gomaxprocs=2", "version=local"}
	for range 50 {
		if got := MatrixInfo(m, cases, f).Filter; !slices.Equal(got, want) {
			t.Fatalf("filter %q, want %q", got, want)
		}
	}
}
