package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newLBLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list load balancers",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.LoadBalancers(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, out, func(t *tabwriter.Writer) {
				row(t, "NAME", "ADDRESS", "ALGORITHM", "HEALTH", "TARGETS", "FORWARDS")
				for _, l := range out {
					row(t, l.Name, "http://"+l.Address, l.Algorithm, l.HealthCheck.Path, len(l.Targets), forwardsString(l.Forwards))
				}
			})
		},
	})
}
