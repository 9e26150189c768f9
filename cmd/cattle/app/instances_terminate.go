package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newInstancesTerminateCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "terminate ID...",
		Short: "terminate instances (idempotent; none if any id is unknown)",
		Args:  minArgs(1, "instances terminate takes one or more IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			insts, err := c.Terminate(ctx, args...)
			for _, i := range insts {
				fmt.Fprintf(env.Out, "%s %s\n", i.ID, i.State)
			}
			return env.call(err)
		},
	}
}
