package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[runInstances]("run_instances",
		scenarios.Doc("launch instances from a template (spread over the zones) and wait until they run",
			"run_instances: {template: web, count: 3, as: web}"))
}

type runInstances struct {
	Template scenarios.TemplateRef `yaml:"template,required" ref:"template"`
	Count    int                   `yaml:"count" default:"1"`
	Zone     string                `yaml:"zone" default:"spread over the zones"`
	As       scenarios.Name        `yaml:"as" default:"none: not saved"`
	// Wait (default true) waits until every instance runs, within Timeout.
	Wait    *bool              `yaml:"wait" default:"true"`
	Timeout scenarios.Duration `yaml:"timeout" default:"60s"`
}

const maxRunCount = 50

func (s *runInstances) Validate() error {
	if s.Count == 0 {
		s.Count = 1
	}
	if s.Count < 1 || s.Count > maxRunCount {
		return scenarios.FieldError("count", "count %d is out of range: use 1-%d", s.Count, maxRunCount)
	}
	if s.Zone != "" && !slices.Contains(compute.Zones, s.Zone) {
		return scenarios.FieldError("zone", "unknown zone %q: use one of %v", s.Zone, compute.Zones)
	}
	return nil
}

// Check refuses a template version the template does not have yet.
func (s *runInstances) Check(c *scenarios.CheckContext) error {
	return checkVersion(c, "template", s.Template.Name, s.Template.Version)
}

func (s *runInstances) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := r.Client.RunInstances(ctx, api.RunInstancesRequest{
		Template: s.Template.Name, Version: s.Template.Version, Count: s.Count, Zone: s.Zone})
	if err != nil {
		return err
	}
	ids := scenarios.IDs(insts)
	r.Save(string(s.As), ids)
	r.OnCleanup(func(ctx context.Context) error {
		_, err := r.Client.Terminate(ctx, ids...)
		return err
	})
	if boolOr(s.Wait, true) {
		insts, err = waitRunning(ctx, r, ids, orDefault(s.Timeout, scenarios.Duration(defaultLaunchTimeout)))
		if err != nil {
			return err
		}
	}
	for _, i := range insts {
		r.Notef("%s %s in %s from %s:%d at %s", i.ID, i.State, i.Zone, i.Template, i.TemplateVersion, i.Address)
	}
	return nil
}

// waitRunning waits until every instance runs; one that ends instead fails
// the wait at once.
func waitRunning(ctx context.Context, r *scenarios.Run, ids []string, timeout scenarios.Duration) ([]compute.Instance, error) {
	var out []compute.Instance
	err := scenarios.Poll(ctx, timeout.D(), func(ctx context.Context) error {
		out = out[:0]
		for _, id := range ids {
			i, err := r.Client.Instance(ctx, id)
			if err != nil {
				return err
			}
			switch i.State {
			case compute.StateRunning:
				out = append(out, i)
			case compute.StatePending:
				return fmt.Errorf("%s is still pending", id)
			default:
				return scenarios.Permanent(fmt.Errorf("%s is %s: %s", id, i.State, i.StateReason))
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(errors.New("instances did not all run"), err)
	}
	return out, nil
}
