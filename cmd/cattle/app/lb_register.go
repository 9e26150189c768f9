package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newLBRegisterCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "register NAME ID...",
		Short: "make running instances targets of a load balancer",
		Args:  minArgs(2, "lb register takes NAME and one or more instance IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.RegisterTargets(ctx, args[0], args[1:]...); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "registered %s with %s: checking their health\n", strings.Join(args[1:], ", "), args[0])
			return nil
		},
	}
}
