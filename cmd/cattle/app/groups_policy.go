package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func groupsPolicy() *command {
	var requests, cpu float64
	var warmup, cooldown time.Duration
	var disableScaleIn, remove bool
	var fs *pflag.FlagSet
	return &command{
		name: "policy", summary: "set, show or remove a group's target tracking scaling policy",
		usage: "groups policy NAME (--target-requests-per-target N | --target-cpu P) [--warmup D] [--cooldown D] [--disable-scale-in]\n" +
			"  cattle groups policy NAME [--delete]",
		long: "The policy keeps a metric near its target, as AWS target tracking does: desired capacity becomes\n" +
			"ceil(warm instances * metric / target), within min (at least 1) and max. It scales out as soon as the\n" +
			"metric is above target; it scales in only when no instance is warming up and the cooldown since its\n" +
			"last scaling has passed. New instances count toward the metric once their warmup is over.\n\n" +
			"--target-requests-per-target is ALBRequestCountPerTarget: requests each target of the group's load\n" +
			"balancer is sent PER MINUTE, as AWS counts it (the sandbox averages over the timing profile's metric\n" +
			"period, 5s on fast, and scales the count to a minute). --target-cpu is ASGAverageCPUUtilization: the\n" +
			"average CPU of the group's instances in percent of their instance type's CPU, from the engine's stats.\n" +
			"A group has one policy; setting another replaces it. Without flags the command shows the policy.",
		flags: func(s *pflag.FlagSet) {
			fs = s
			s.Float64Var(&requests, "target-requests-per-target", 0, "requests per target per MINUTE to keep each target at (ALBRequestCountPerTarget)")
			s.Float64Var(&cpu, "target-cpu", 0, "average CPU utilization, in percent, to keep the instances at (ASGAverageCPUUtilization)")
			s.DurationVar(&warmup, "warmup", 0, "instance warmup: time after launch before an instance counts (default: the group's grace period)")
			s.DurationVar(&cooldown, "cooldown", 0, "scale-in cooldown: least time after a scaling before scaling in (default: the timing profile's)")
			s.BoolVar(&disableScaleIn, "disable-scale-in", false, "only ever scale out")
			s.BoolVar(&remove, "delete", false, "remove the policy (the capacity stays)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups policy takes one NAME: cattle groups policy web --target-requests-per-target 100")
			}
			setting := fs.Changed("target-requests-per-target") || fs.Changed("target-cpu")
			if remove && (setting || fs.Changed("warmup") || fs.Changed("cooldown") || disableScaleIn) {
				return usagef("groups policy --delete takes no other flag")
			}
			if !setting && (fs.Changed("warmup") || fs.Changed("cooldown") || disableScaleIn) {
				return usagef("groups policy needs a target: --target-requests-per-target N or --target-cpu P")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			name := args[0]
			switch {
			case remove:
				g, err := c.DeletePolicy(ctx, name)
				if err != nil {
					return env.call(err)
				}
				fmt.Fprintf(env.Out, "group %s: scaling policy removed, desired capacity stays %d\n", name, g.Desired)
				return nil
			case !setting:
				g, err := c.Group(ctx, name)
				if err != nil {
					return env.call(err)
				}
				if g.Policy == nil {
					fmt.Fprintf(env.Out, "group %s has no scaling policy: set one with 'cattle groups policy %s --target-requests-per-target N'\n", name, name)
					return nil
				}
				writePolicy(env.Out, "group "+g.Name+" ", g)
				return nil
			}
			spec := autoscaling.PolicySpec{TargetRequestsPerTarget: requests, TargetCPU: cpu, DisableScaleIn: disableScaleIn}
			if fs.Changed("warmup") {
				spec.InstanceWarmup = autoscaling.D(warmup)
			}
			if fs.Changed("cooldown") {
				spec.ScaleInCooldown = autoscaling.D(cooldown)
			}
			g, err := c.PutPolicy(ctx, name, spec)
			if err != nil {
				return env.call(err)
			}
			writePolicy(env.Out, "group "+g.Name+" ", g)
			return nil
		},
	}
}

// writePolicy shows a group's policy (after lead), its metric now, and
// when it last scaled.
func writePolicy(w io.Writer, lead string, g autoscaling.GroupDetail) {
	p := g.Policy
	fmt.Fprintf(w, "%s%s; desired %d (min %d, max %d)\n", lead, p, g.Desired, g.Min, g.Max)
	if m := g.Metric; m != nil {
		fmt.Fprintf(w, "metric: %s over %d warm instance(s)\n", p.DescribeValue(m.Value), m.Instances)
	}
	if p.LastScaledAt != nil {
		fmt.Fprintf(w, "last scaled %s ago\n", ago(*p.LastScaledAt))
	}
}
