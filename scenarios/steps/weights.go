package steps

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[weights]("weights",
		scenarios.Doc("split a load balancer's requests between target groups by weight (blue/green, canary)",
			"weights: {load_balancer: web, forwards: {blue: 90, green: 10}}"))
}

type weights struct {
	LoadBalancer string         `yaml:"load_balancer,required" ref:"load_balancer"`
	Forwards     map[string]int `yaml:"forwards,required" ref:"load_balancer"`
}

func (w *weights) Validate() error {
	if err := elb.ValidateWeights(w.forwards()); err != nil {
		return scenarios.FieldError("forwards", "%v", err)
	}
	return nil
}

func (w *weights) forwards() []elb.Forward {
	out := make([]elb.Forward, 0, len(w.Forwards))
	for tg, weight := range w.Forwards {
		out = append(out, elb.Forward{TargetGroup: tg, Weight: weight})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TargetGroup < out[j].TargetGroup })
	return out
}

func (w *weights) Execute(ctx context.Context, r *scenarios.Run) error {
	fs := w.forwards()
	if _, err := r.Client.SetForwards(ctx, w.LoadBalancer, fs); err != nil {
		return err
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %d", f.TargetGroup, f.Weight)
	}
	r.Notef("%s now forwards to %s", w.LoadBalancer, strings.Join(parts, ", "))
	return nil
}
