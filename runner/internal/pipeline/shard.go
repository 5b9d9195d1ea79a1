package pipeline

import (
	"fmt"

	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/shard"
)

// PlanShards plans r's cells into n shards, pricing them by the previous
// results in from, if named: what 'gomatrix plan' prints and what each
// 'run -shard' re-derives.
func (r *Run) PlanShards(n int, from string) (*shard.Plan, error) {
	opt := shard.Options{Shards: n}
	if from != "" {
		h, err := shard.ReadHistory(from)
		if err != nil {
			return nil, inputErr(fmt.Errorf("-from: %w", err))
		}
		opt.History = h
	}
	p, err := shard.New(r.Matrix, r.Cells, opt)
	return p, inputErr(err)
}

// selectShard re-derives the plan of r's cells as 'gomatrix plan' made it
// and keeps the cells of shard spec ("i/N"). When planID is set, the plan
// must have that ID. Its errors are InputErrors: nothing should run.
func (r *Run) selectShard(spec, from, planID string) error {
	s, err := shard.ParseSpec(spec)
	if err != nil {
		return inputErr(fmt.Errorf("-shard: %w", err))
	}
	p, err := r.PlanShards(s.Count, from)
	if err != nil {
		return err
	}
	if planID != "" && p.ID != planID {
		return inputErr(fmt.Errorf("-shard %s: the plan derived here is %s, not %s: this job would not run the cells the plan gave it\nhint: the matrix, a case, a resolved Go version (a new release?), -only or -from differ from the plan job's; plan again", s, p.ID, planID))
	}
	sh, err := p.Shard(s)
	if err != nil {
		return inputErr(err)
	}
	r.Plan, r.Cells = p, sh.Cells
	r.Shard = &results.Shard{Index: sh.Spec.Index, Count: sh.Spec.Count, Plan: p.ID, Cells: sh.Keys(), Positions: sh.Positions}
	return nil
}
