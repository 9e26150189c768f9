package app

import (
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/elb"
)

func newLBLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list load balancers and target groups",
		Long: "Lists load balancers and target groups, one row per name: 'cattle lb create' makes both, with a\n" +
			"listener; the AWS API can make either alone (ADDRESS - : no listener; HEALTH - : no target group).",
		Args: noArgs,
		RunE: fromDaemon(env, (*api.Client).LoadBalancers, func(t *tabwriter.Writer, out []elb.LoadBalancer) {
			row(t, "NAME", "ADDRESS", "ALGORITHM", "HEALTH", "TARGETS", "FORWARDS")
			for _, l := range out {
				addr, health, targets := "-", "-", "-"
				if l.Listening() {
					addr = "http://" + l.Address
				}
				if l.HasTargetGroup() {
					health, targets = l.HealthCheck.Path, strconv.Itoa(len(l.Targets))
				}
				row(t, l.Name, addr, l.Algorithm, health, targets, forwardsString(l.Forwards))
			}
		}),
	})
}
