package steps

import (
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// loadCheck is what every load expectation names: the load, the window of
// its requests to look at, and how many requests that window needs for
// the check to mean anything.
type loadCheck struct {
	Load             string `yaml:"load,required" ref:"load"`
	scenarios.Window `yaml:",inline"`
	MinRequests      *int `yaml:"min_requests" default:"1 (load_shares: 50)"`
}

// records returns the requests of the window, or evidence that there are
// too few of them.
func (c loadCheck) records(r *scenarios.Run) ([]loadgen.Record, error) {
	l, err := r.Load(c.Load)
	if err != nil {
		return nil, scenarios.Permanent(err)
	}
	from, to, err := r.Window(c.Window)
	if err != nil {
		return nil, scenarios.Permanent(err)
	}
	recs := loadgen.Between(l.Records(), from, to)
	need := 1
	if c.MinRequests != nil {
		need = *c.MinRequests
	}
	if len(recs) < need {
		return nil, fmt.Errorf("load %s has %d requests%s; the check needs at least %d", c.Load, len(recs), c.where(), need)
	}
	return recs, nil
}

func (c loadCheck) where() string {
	if w := c.Window.String(); w != "" {
		return " " + w
	}
	return ""
}

// at renders a record for evidence: "+12.3s 502 from i-0abc (v2)".
func at(r *scenarios.Run, rec loadgen.Record) string {
	s := fmt.Sprintf("+%s %s", rec.Start.Sub(r.Started).Round(100*time.Millisecond), rec.Outcome())
	if rec.Instance != "" || rec.Version != "" {
		s += fmt.Sprintf(" from %s (%s)", orDash(rec.Instance), orDash(rec.Version))
	}
	if rec.Error != "" {
		s += ": " + rec.Error
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
