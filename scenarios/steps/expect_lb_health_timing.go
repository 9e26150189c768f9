package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectHealthTiming]("health_timing", "load_balancer",
		scenarios.Checks("healthy_after"),
		scenarios.Doc("targets of a load balancer turned healthy only after so many health checks an interval apart, as its events show: "+
			"the first check runs at registration, so registered to healthy takes (checks - 1) x interval, or checks x interval when "+
			"that first check found the workload still starting, within tolerance (default 5s)",
			"expect: {load_balancer: web, healthy_after: 5, interval: 30s, tolerance: 5s}"))
}

type expectHealthTiming struct {
	LoadBalancer string              `yaml:"load_balancer,required"`
	HealthyAfter int                 `yaml:"healthy_after,required"`
	Interval     scenarios.Duration  `yaml:"interval,required"`
	Tolerance    *scenarios.Duration `yaml:"tolerance" default:"5s"`
}

func (e *expectHealthTiming) Validate() error {
	switch {
	case e.HealthyAfter < 1:
		return scenarios.FieldError("healthy_after", "healthy_after is a number of health checks: 1 or more")
	case e.Interval <= 0:
		return scenarios.FieldError("interval", "interval must be more than 0")
	case e.Tolerance != nil && *e.Tolerance < 0:
		return scenarios.FieldError("tolerance", "tolerance cannot be negative")
	}
	return nil
}

func (e *expectHealthTiming) Execute(ctx context.Context, r *scenarios.Run) error {
	tolerance := 5 * time.Second
	if e.Tolerance != nil {
		tolerance = e.Tolerance.D()
	}
	// The first check runs at registration; it may find the workload
	// still starting, which costs one interval more.
	want := time.Duration(e.HealthyAfter-1) * e.Interval.D()
	most := want + e.Interval.D()
	events, err := r.Client.Events(ctx, 0, 0)
	if err != nil {
		return err
	}
	registered := map[string]time.Time{}
	var seen []string
	for _, ev := range events {
		if ev.Kind != "lb.target" || ev.Resource != "lb/"+e.LoadBalancer || ev.Time.Before(r.Started) {
			continue
		}
		id := ev.Fields["instance"]
		switch {
		case ev.Fields["reason"] == "Elb.RegistrationInProgress":
			registered[id] = ev.Time
		case ev.Fields["state"] == "healthy" && ev.Fields["from"] == "initial" && !registered[id].IsZero():
			took := ev.Time.Sub(registered[id])
			if took < want-tolerance || took > most+tolerance {
				return fmt.Errorf("target %s of %s turned healthy %s after registering; %d checks %s apart take %s to %s (within %s)",
					id, e.LoadBalancer, took.Round(100*time.Millisecond), e.HealthyAfter, e.Interval, want, most, tolerance)
			}
			seen = append(seen, fmt.Sprintf("%s after %s", id, took.Round(100*time.Millisecond)))
		}
	}
	if len(seen) == 0 {
		return fmt.Errorf("no target of %s went from registered to healthy during the run", e.LoadBalancer)
	}
	r.Notef("%s: healthy %s (%d checks %s apart: %s to %s)", e.LoadBalancer, strings.Join(seen, ", "), e.HealthyAfter, e.Interval, want, most)
	return nil
}
