package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

const policyHelp = "The policy keeps a metric near its target, as AWS target tracking does: desired capacity becomes\n" +
	"ceil(warm instances * metric / target), within min (at least 1) and max. As AWS's two alarms, it\n" +
	"scales out after the metric is above target for 3 consecutive metric periods, and in after it is\n" +
	"below for 15, when no instance is warming up; there is no cooldown. New instances count toward the\n" +
	"metric once their warmup is over. Only TargetTrackingScaling is modelled: simple, step and\n" +
	"predictive scaling are refused (docs/fidelity.md says what cattle does not model).\n\n" +
	"--target-requests-per-target is ALBRequestCountPerTarget: requests each target of the group's load\n" +
	"balancer is sent PER MINUTE, as AWS counts it (the sandbox averages over the timing profile's metric\n" +
	"period, 5s on fast, and scales the count to a minute). --target-cpu is ASGAverageCPUUtilization: the\n" +
	"average CPU of the group's instances in percent of their instance type's CPU, from the engine's stats.\n" +
	"A group has one policy; setting another replaces it. Without flags the command shows the policy."

func newGroupsPolicyCommand(env *Env) *cobra.Command {
	var f policyFlags
	cmd := &cobra.Command{
		Use:   "policy NAME [--target-requests-per-target N | --target-cpu P | --delete]",
		Short: "set, show or remove a group's target tracking scaling policy",
		Long:  describe("Set, show or remove a group's target tracking scaling policy.", policyHelp),
		Example: "  cattle groups policy web --target-requests-per-target 100 --warmup 10s\n" +
			"  cattle groups policy web\n" +
			"  cattle groups policy web --delete",
		Args: exactArgs(1, "groups policy takes one NAME: cattle groups policy web --target-requests-per-target 100"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			setting := fs.Changed("target-requests-per-target") || fs.Changed("target-cpu")
			tuning := fs.Changed("warmup") || fs.Changed("type") || f.spec.DisableScaleIn
			if f.remove && (setting || tuning) {
				return usagef("groups policy --delete takes no other flag")
			}
			if !setting && tuning {
				return usagef("groups policy needs a target: --target-requests-per-target N or --target-cpu P")
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			switch {
			case f.remove:
				return deletePolicy(ctx, env, c, args[0])
			case !setting:
				return showPolicy(ctx, env, c, args[0])
			}
			if fs.Changed("warmup") {
				f.spec.InstanceWarmup = autoscaling.D(f.warmup)
			}
			g, err := c.PutPolicy(ctx, args[0], f.spec)
			if err != nil {
				return env.call(err)
			}
			writePolicy(env.Out, "group "+g.Name+" ", g)
			return nil
		},
	}
	f.define(cmd.Flags())
	return cmd
}

// policyFlags are a scaling policy's settings, and --delete.
type policyFlags struct {
	spec   autoscaling.PolicySpec
	warmup time.Duration
	remove bool
}

func (f *policyFlags) define(fs *pflag.FlagSet) {
	fs.Float64Var(&f.spec.TargetRequestsPerTarget, "target-requests-per-target", 0, "requests per target per MINUTE to keep each target at (ALBRequestCountPerTarget)")
	fs.Float64Var(&f.spec.TargetCPU, "target-cpu", 0, "average CPU utilization, in percent, to keep the instances at (ASGAverageCPUUtilization)")
	fs.DurationVar(&f.warmup, "warmup", 0, "instance warmup: time after launch before an instance counts (default: the group's grace period)")
	fs.StringVar(&f.spec.PolicyType, "type", autoscaling.PolicyTargetTracking, "policy type; only TargetTrackingScaling is modelled")
	fs.BoolVar(&f.spec.DisableScaleIn, "disable-scale-in", false, "only ever scale out")
	fs.BoolVar(&f.remove, "delete", false, "remove the policy (the capacity stays)")
}

func deletePolicy(ctx context.Context, env *Env, c *api.Client, name string) error {
	g, err := c.DeletePolicy(ctx, name)
	if err != nil {
		return env.call(err)
	}
	fmt.Fprintf(env.Out, "group %s: scaling policy removed, desired capacity stays %d\n", name, g.Desired)
	return nil
}

func showPolicy(ctx context.Context, env *Env, c *api.Client, name string) error {
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
