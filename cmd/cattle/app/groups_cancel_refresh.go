package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGroupsCancelRefreshCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel-refresh NAME",
		Short: "cancel the group's refresh in progress (replaced instances stay)",
		Args:  exactArgs(1, "groups cancel-refresh takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.CancelRefresh(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s %s: the step under way finishes, then it stops\n", r.ID, r.Status)
			return nil
		},
	}
}
