package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

// pick is how a step names the instances it acts on: `instance:` one of
// them (at random among several, as a failure would), or `instances:` all.
type pick struct {
	Instance  *scenarios.InstanceRef `yaml:"instance" default:"none: give instance (one) or instances (all)"`
	Instances *scenarios.InstanceRef `yaml:"instances" default:"none: give instance (one) or instances (all)"`
}

func (p pick) validate() error {
	switch {
	case p.Instance == nil && p.Instances == nil:
		return fmt.Errorf("name the instance: instance: SELECTOR (one) or instances: SELECTOR (all)")
	case p.Instance != nil && p.Instances != nil:
		return scenarios.FieldError("instances", "give instance (one) or instances (all), not both")
	}
	return nil
}

// resolve returns the running instances picked.
func (p pick) resolve(ctx context.Context, r *scenarios.Run) ([]compute.Instance, error) {
	if p.Instance != nil {
		i, err := r.OneInstance(ctx, *p.Instance)
		if err != nil {
			return nil, err
		}
		return []compute.Instance{i}, nil
	}
	return r.RunningInstances(ctx, *p.Instances)
}

// orDefault returns d when the duration is unset.
func orDefault(v scenarios.Duration, d scenarios.Duration) scenarios.Duration {
	if v == 0 {
		return d
	}
	return v
}

// boolOr returns def when the flag is unset.
func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}
