package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newLBRmCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "drain and remove a load balancer",
		Args:  exactArgs(1, "lb rm takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteLoadBalancer(ctx, args[0]); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "load balancer %s removed\n", args[0])
			return nil
		},
	}
}
