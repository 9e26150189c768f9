package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newLBDeregisterCommand(env *Env) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "deregister NAME ID...",
		Short: "take instances out of a load balancer (they drain first)",
		Args:  minArgs(2, "lb deregister takes NAME and one or more instance IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeregisterTargets(ctx, args[0], !noWait, args[1:]...); err != nil {
				return env.call(err)
			}
			what := "drained"
			if noWait {
				what = "draining"
			}
			fmt.Fprintf(env.Out, "deregistered %s from %s: %s\n", strings.Join(args[1:], ", "), args[0], what)
			return nil
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of after draining")
	return cmd
}
