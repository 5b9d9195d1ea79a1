package progress

import (
	"strings"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// A shard's results hold only part of each claim's cells: its job does
// not annotate claims (every claim of other shards would read untested);
// the merge job does.
func TestGitHubShardLeavesClaimsToMerge(t *testing.T) {
	r := &results.Results{Complete: true, Claims: []results.Claim{
		{ID: "C1", Verdict: results.Untested}, {ID: "C2", Verdict: results.Refuted},
	}}
	if got := strings.Join(annotations(r), ""); !strings.Contains(got, "claim C1 untested") || !strings.Contains(got, "claim C2 refuted") {
		t.Fatalf("whole run: %q", got)
	}
	r.Shard = &results.Shard{}
	if got := strings.Join(annotations(r), ""); strings.Contains(got, "claim") {
		t.Errorf("shard run annotates claims: %q", got)
	}
}
