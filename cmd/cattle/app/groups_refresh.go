package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

// refreshFlags are the preferences of an instance refresh.
type refreshFlags struct {
	version                  string
	minHealthy, maxHealthy   int
	warmup, cpDelay, bake    time.Duration
	checkpoints              []int
	skip, autoRollback, wait bool
}

func (f *refreshFlags) define(fs *pflag.FlagSet) {
	fs.StringVar(&f.version, "template-version", "", "desired configuration: VERSION or NAME:VERSION")
	fs.IntVar(&f.minHealthy, "min-healthy", 90, "percentage of desired capacity kept in service")
	fs.IntVar(&f.maxHealthy, "max-healthy", 100, "percentage of desired capacity allowed (100-200; above 100 launches first)")
	fs.DurationVar(&f.warmup, "warmup", 0, "instance warmup (default: the group's grace period)")
	fs.IntSliceVar(&f.checkpoints, "checkpoints", nil, "percentages to pause at, ascending, the last 100 (e.g. 50,100)")
	fs.DurationVar(&f.cpDelay, "checkpoint-delay", 0, "pause at each checkpoint (default: the timing profile's)")
	fs.BoolVar(&f.skip, "skip-matching", false, "leave instances already on the desired configuration")
	fs.BoolVar(&f.autoRollback, "auto-rollback", false, "roll back when the refresh fails")
	fs.DurationVar(&f.bake, "bake-time", 0, "time to watch the new instances after the last replacement")
	fs.BoolVar(&f.wait, "wait", false, "follow the refresh until it ends")
}

// spec is the refresh the flags ask for; flags not given leave their
// preference to the daemon's defaults.
func (f *refreshFlags) spec(fs *pflag.FlagSet) autoscaling.RefreshSpec {
	spec := autoscaling.RefreshSpec{TemplateVersion: f.version, CheckpointPercentages: f.checkpoints,
		SkipMatching: f.skip, AutoRollback: f.autoRollback}
	if fs.Changed("min-healthy") {
		spec.MinHealthyPercentage = &f.minHealthy
	}
	if fs.Changed("max-healthy") {
		spec.MaxHealthyPercentage = &f.maxHealthy
	}
	if fs.Changed("warmup") {
		spec.InstanceWarmup = autoscaling.D(f.warmup)
	}
	if fs.Changed("checkpoint-delay") {
		spec.CheckpointDelay = autoscaling.D(f.cpDelay)
	}
	if fs.Changed("bake-time") {
		spec.BakeTime = autoscaling.D(f.bake)
	}
	return spec
}

func newGroupsRefreshCommand(env *Env) *cobra.Command {
	var f refreshFlags
	cmd := &cobra.Command{
		Use:   "refresh NAME",
		Short: "start an instance refresh: replace the group's instances in batches",
		Long: describe("Start an instance refresh: replace the group's instances in batches.",
			"--template-version is a version number of the group's template, $Latest, $Default, or NAME:VERSION\n"+
				"of another template; without it instances are replaced with the group's own configuration. With --wait the\n"+
				"command follows the refresh and exits 0 when it is Successful, 1 when it ends otherwise."),
		Example: "  cattle groups refresh web --template-version 2 --min-healthy 50 --wait",
		Args:    exactArgs(1, "groups refresh takes one NAME: cattle groups refresh web --template-version 2 --wait"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.StartRefresh(ctx, args[0], f.spec(cmd.Flags()))
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s started on group %s: %s -> %s (min healthy %d%%, max healthy %d%%)\n",
				r.ID, r.Group, r.Previous, r.Target, r.Preferences.MinHealthyPercentage, r.Preferences.MaxHealthyPercentage)
			if !f.wait {
				return nil
			}
			return followRefresh(ctx, env, c, r.Group, r.ID, autoscaling.RefreshSuccessful)
		},
	}
	f.define(cmd.Flags())
	return cmd
}
