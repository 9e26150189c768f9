package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func newGroupsRollbackCommand(env *Env) *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:   "rollback NAME",
		Short: "roll back the group's refresh in progress",
		Long: describe("Roll back the group's refresh in progress.",
			"Replaces the instances the refresh already replaced with the configuration from before it.\n"+
				"Refused once the refresh has finished, and when it used $Latest or $Default."),
		Args: exactArgs(1, "groups rollback takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.Rollback(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s %s%s\n", r.ID, r.Status, refreshReason(r))
			if !wait {
				return nil
			}
			return followRefresh(ctx, env, c, r.Group, r.ID, autoscaling.RefreshRollbackSuccessful)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the rollback until it ends (exit 0 on RollbackSuccessful)")
	return cmd
}
