package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func newGroupsScaleCommand(env *Env) *cobra.Command {
	var desired, min, max int
	cmd := &cobra.Command{
		Use:   "scale NAME --desired N",
		Short: "change a group's desired (and min, max) capacity",
		Args:  exactArgs(1, "groups scale takes one NAME: cattle groups scale web --desired 4"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			var spec autoscaling.ScaleSpec
			if fs.Changed("desired") {
				spec.Desired = &desired
			}
			if fs.Changed("min") {
				spec.Min = &min
			}
			if fs.Changed("max") {
				spec.Max = &max
			}
			if spec.Desired == nil && spec.Min == nil && spec.Max == nil {
				return usagef("groups scale needs --desired N (or --min, --max): see 'cattle groups scale --help'")
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.ScaleGroup(ctx, args[0], spec)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s: min %d, desired %d, max %d (%d instance(s) now)\n", g.Name, g.Min, g.Desired, g.Max, len(g.Instances))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&desired, "desired", 0, "desired capacity")
	fs.IntVar(&min, "min", 0, "minimum capacity")
	fs.IntVar(&max, "max", 0, "maximum capacity")
	return cmd
}
