package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newGroupsLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list auto scaling groups",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			gs, err := c.Groups(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, gs, func(t *tabwriter.Writer) {
				row(t, "NAME", "TEMPLATE", "MIN", "DESIRED", "MAX", "INSTANCES", "HEALTHY", "LB", "REFRESH", "AGE")
				for _, g := range gs {
					row(t, g.Name, g.Template+":"+g.TemplateVersion, g.Min, g.Desired, g.Max, len(g.Instances), g.Healthy,
						g.LoadBalancer, refreshCell(g.Refresh, g.Status), ago(g.CreatedAt))
				}
			})
		},
	})
}
