package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func newGroupsLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list auto scaling groups",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).Groups, func(t *tabwriter.Writer, gs []autoscaling.GroupDetail) {
			row(t, "NAME", "TEMPLATE", "MIN", "DESIRED", "MAX", "INSTANCES", "HEALTHY", "LB", "REFRESH", "AGE")
			for _, g := range gs {
				row(t, g.Name, g.Template+":"+g.TemplateVersion, g.Min, g.Desired, g.Max, len(g.Instances), g.Healthy,
					g.LoadBalancer, refreshCell(g.Refresh, g.Status), ago(g.CreatedAt))
			}
		}),
	})
}
