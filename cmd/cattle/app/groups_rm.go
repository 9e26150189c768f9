package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGroupsRmCommand(env *Env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "drain and terminate a group's instances, and delete it",
		Args:  exactArgs(1, "groups rm takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteGroup(ctx, args[0], force); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s deleted: its instances are drained and terminated\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also when a refresh is in progress (it is cancelled)")
	return cmd
}
