package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// A Strategy is the value of a workflow's strategy.matrix, as
// `matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}` reads it: a job
// per shard and runner.
type Strategy struct {
	Include []Job `json:"include"`
}

// A Job is what one shard job needs to know.
type Job struct {
	Shard string `json:"shard"` // the value of run -shard: "2/8"
	Index int    `json:"index"`
	Count int    `json:"count"`
	Plan  string `json:"plan"` // the value of run -plan-id: the plan's ID
	// OS is the runs-on label, when the plan names runners, and
	// Platform its GOOS/GOARCH, which the shard's plan was made for.
	OS       string `json:"os,omitempty"`
	Platform string `json:"platform,omitempty"`
	// Name is a job title: the shard, its toolchains, cells and cost.
	Name string `json:"name"`
	// Versions are the toolchains the shard downloads, space-separated
	// ("" when it needs none); CacheKey is a short form of them for an
	// actions/cache key.
	Versions string `json:"versions"`
	CacheKey string `json:"cache_key"`
	// Artifact is a name for the shard's results, unique in the plan.
	Artifact string `json:"artifact"`
	Cells    int    `json:"cells"`
	CostS    int64  `json:"cost_s"` // expected wall time, seconds
}

// Jobs returns a job per shard of p, to run on runner r (the zero Runner
// when the workflow names the runner itself).
func (p *Plan) Jobs(r Runner) []Job {
	var jobs []Job
	for _, s := range p.Shards {
		j := Job{
			Shard: s.Spec.String(), Index: s.Spec.Index, Count: s.Spec.Count, Plan: p.ID, OS: r.Label,
			Versions: strings.Join(s.Versions, " "),
			CacheKey: cacheKey(s.Versions),
			Artifact: fmt.Sprintf("results-%d-of-%d", s.Spec.Index, s.Spec.Count),
			Cells:    len(s.Cells),
			CostS:    int64((s.Cost + time.Second - 1) / time.Second),
		}
		if r.Label != "" {
			j.Platform = r.Platform()
			j.Artifact += "-" + artifactSafe(r.Label)
		}
		j.Name = jobName(j, s)
		jobs = append(jobs, j)
	}
	return jobs
}

// NewStrategy gathers jobs into a strategy.matrix; more than MaxJobs is
// an error.
func NewStrategy(jobs []Job) (Strategy, error) {
	if len(jobs) > MaxJobs {
		return Strategy{}, fmt.Errorf("plan: %d jobs, more than the %d of a GitHub Actions matrix\nhint: ask for fewer shards", len(jobs), MaxJobs)
	}
	return Strategy{Include: jobs}, nil
}

// JSON returns the strategy on one line, for $GITHUB_OUTPUT.
func (st Strategy) JSON() ([]byte, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

func jobName(j Job, s *Shard) string {
	var b strings.Builder
	if j.OS != "" {
		b.WriteString(j.OS + " ")
	}
	b.WriteString(j.Shard)
	switch len(s.Versions) {
	case 0:
		b.WriteString(" (no download)")
	case 1:
		b.WriteString(" " + s.Versions[0])
	default:
		fmt.Fprintf(&b, " %s…%s", s.Versions[0], s.Versions[len(s.Versions)-1])
	}
	fmt.Fprintf(&b, ", %d cells, ~%s", len(s.Cells), roundCost(s.Cost))
	return b.String()
}

func roundCost(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// cacheKey names a set of toolchains within an actions/cache key (at most
// 512 characters, no commas): the versions themselves when short, else
// a hash of them.
func cacheKey(versions []string) string {
	if len(versions) == 0 {
		return "none"
	}
	k := strings.Join(versions, "_")
	if len(k) <= 100 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return fmt.Sprintf("%s..%s-%s", versions[0], versions[len(versions)-1], hex.EncodeToString(sum[:])[:12])
}

// artifactSafe keeps the characters artifact names allow.
func artifactSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}
