package app

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func newGroupsCreateCommand(env *Env) *cobra.Command {
	var spec autoscaling.GroupSpec
	var desired int
	var grace time.Duration
	var wait bool
	cmd := &cobra.Command{
		Use:   "create NAME --template NAME[:VERSION] --min N --max N",
		Short: "create an auto scaling group",
		Long: describe("Create an auto scaling group.",
			"A bare template NAME pins the template's default version as it is now; VERSION may also be\n"+
				"$Latest or $Default, resolved at each launch. --desired defaults to --min, as in AWS."),
		Args: exactArgs(1, "groups create takes one NAME: cattle groups create web --template web --min 2 --max 6 --desired 3"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if spec.Template == "" || !fs.Changed("min") || !fs.Changed("max") {
				return usagef("groups create needs --template NAME[:VERSION], --min N and --max N: see 'cattle groups create --help'")
			}
			spec.Name = args[0]
			if fs.Changed("desired") {
				spec.Desired = &desired
			}
			if fs.Changed("grace") {
				spec.HealthCheckGracePeriod = autoscaling.D(grace)
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.CreateGroup(ctx, spec)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s created: %s, launching %d instance(s)\n", g.Name, groupSummary(g.Group), g.Desired)
			if wait {
				return waitGroupInService(ctx, env, c, g.Name)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&spec.Template, "template", "", "launch template NAME[:VERSION]")
	fs.IntVar(&spec.Min, "min", 0, "minimum capacity")
	fs.IntVar(&spec.Max, "max", 0, "maximum capacity")
	fs.IntVar(&desired, "desired", 0, "desired capacity (default: --min)")
	fs.StringVar(&spec.LoadBalancer, "lb", "", "load balancer whose target group the instances join")
	fs.StringSliceVar(&spec.Zones, "zones", nil, "zones to balance over (default: zone-a,zone-b,zone-c)")
	fs.StringVar(&spec.HealthCheckType, "health-check-type", "EC2", "EC2 (instance state) or ELB (also the load balancer's health checks)")
	fs.DurationVar(&grace, "grace", 0, "health check grace period (default: the timing profile's)")
	fs.StringVar(&spec.Drift, "drift", "replace", "drifted instances: replace (terminate through draining, launch fresh) or report")
	fs.IntVar(&spec.MaxHealthyPercentage, "max-healthy", 100, "instance maintenance policy: above 100, replacements launch before unhealthy instances go")
	fs.BoolVar(&wait, "wait", false, "wait until the group has its desired capacity in service")
	_ = cmd.RegisterFlagCompletionFunc("health-check-type", cobra.FixedCompletions([]string{"EC2", "ELB"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// followInterval is how often a command that follows a change asks the daemon.
const followInterval = 250 * time.Millisecond

// waitGroupInService waits until the group serves at its desired capacity.
func waitGroupInService(ctx context.Context, env *Env, c *api.Client, name string) error {
	last := ""
	return api.Poll(ctx, followInterval, func(ctx context.Context) (bool, error) {
		g, err := c.Group(ctx, name)
		if err != nil {
			return false, env.call(err)
		}
		line := fmt.Sprintf("group %s: %d of %d in service", name, g.Healthy, g.Desired)
		if line != last {
			fmt.Fprintln(env.Out, line)
			last = line
		}
		return g.Healthy >= g.Desired && len(g.Instances) == g.Desired, nil
	})
}
