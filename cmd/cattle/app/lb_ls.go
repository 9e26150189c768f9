package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/elb"
)

func newLBLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list load balancers",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).LoadBalancers, func(t *tabwriter.Writer, out []elb.LoadBalancer) {
			row(t, "NAME", "ADDRESS", "ALGORITHM", "HEALTH", "TARGETS", "FORWARDS")
			for _, l := range out {
				row(t, l.Name, "http://"+l.Address, l.Algorithm, l.HealthCheck.Path, len(l.Targets), forwardsString(l.Forwards))
			}
		}),
	})
}
