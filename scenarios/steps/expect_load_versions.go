package steps

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterExpectation[expectLoadVersions]("load_versions", "load",
		scenarios.Checks("versions"),
		scenarios.Doc("exactly these versions answered a load (by X-Demo-Version), over all of it or a window",
			"expect: {load: traffic, versions: [v2], since: refresh}"))
}

type expectLoadVersions struct {
	loadCheck `yaml:",inline"`
	Versions  []string `yaml:"versions,required"`
}

func (e *expectLoadVersions) Validate() error {
	if len(e.Versions) == 0 {
		return scenarios.FieldError("versions", "name at least one version, like [v2]")
	}
	return e.Window.Validate()
}

func (e *expectLoadVersions) Execute(ctx context.Context, r *scenarios.Run) error {
	recs, err := e.records(r)
	if err != nil {
		return err
	}
	s := loadgen.Summarize(recs)
	var extra []string
	for v := range s.Versions {
		if !slices.Contains(e.Versions, v) {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		for _, rec := range recs {
			if rec.Version == extra[0] {
				return fmt.Errorf("load %s%s: want only %v, but %v answered too: %s; first %s", e.Load, e.where(), e.Versions, extra, loadgen.SortedCounts(s.Versions), at(r, rec))
			}
		}
	}
	for _, v := range e.Versions {
		if s.Versions[v] == 0 {
			return fmt.Errorf("load %s%s: %s never answered; answers by version: %s", e.Load, e.where(), v, loadgen.SortedCounts(s.Versions))
		}
	}
	r.Notef("load %s%s: answers by version %s", e.Load, e.where(), loadgen.SortedCounts(s.Versions))
	return nil
}
