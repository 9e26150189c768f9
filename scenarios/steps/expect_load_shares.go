package steps

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterExpectation[expectLoadShares]("load_shares", "load",
		scenarios.Checks("shares"),
		scenarios.Doc("each version answered about its share of a load's requests (within tolerance, default 5 points)",
			"expect: {load: traffic, shares: {v1: 90%, v2: 10%}, tolerance: 5%, since: canary}"))
}

type expectLoadShares struct {
	loadCheck `yaml:",inline"`
	Shares    map[string]scenarios.Percent `yaml:"shares,required"`
	Tolerance *scenarios.Percent           `yaml:"tolerance" default:"5 (points)"`
}

func (e *expectLoadShares) Validate() error {
	if len(e.Shares) == 0 {
		return scenarios.FieldError("shares", "name at least one version's share, like {v2: 10%%}")
	}
	for v, p := range e.Shares {
		if p > 100 {
			return scenarios.FieldError("shares", "the share of %s is over 100%%", v)
		}
	}
	if e.MinRequests == nil {
		// A share means little over a handful of requests.
		n := 50
		e.MinRequests = &n
	}
	return e.Window.Validate()
}

func (e *expectLoadShares) Execute(ctx context.Context, r *scenarios.Run) error {
	recs, err := e.records(r)
	if err != nil {
		return err
	}
	s := loadgen.Summarize(recs)
	answered := 0
	for _, n := range s.Versions {
		answered += n
	}
	if answered == 0 {
		return fmt.Errorf("load %s%s: no answer said its version", e.Load, e.where())
	}
	tol := 5.0
	if e.Tolerance != nil {
		tol = float64(*e.Tolerance)
	}
	versions := make([]string, 0, len(e.Shares))
	for v := range e.Shares {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	var seen []string
	for _, v := range versions {
		got := 100 * float64(s.Versions[v]) / float64(answered)
		seen = append(seen, fmt.Sprintf("%s %.1f%%", v, got))
		if math.Abs(got-float64(e.Shares[v])) > tol {
			return fmt.Errorf("load %s%s: %s answered %.1f%% of %d requests, want %g%% ± %g; by version %s",
				e.Load, e.where(), v, got, answered, float64(e.Shares[v]), tol, loadgen.SortedCounts(s.Versions))
		}
	}
	r.Notef("load %s%s: %s of %d answers", e.Load, e.where(), strings.Join(seen, ", "), answered)
	return nil
}
