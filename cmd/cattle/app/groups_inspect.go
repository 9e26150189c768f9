package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newGroupsInspectCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "inspect NAME",
		Short: "show a group, its instances and its refresh in progress",
		Args:  exactArgs(1, "groups inspect takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.Group(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, g, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "group %s: %s\n", g.Name, groupSummary(g.Group))
				fmt.Fprintf(t, "max healthy %d%%; %d instance(s), %d in service", g.MaxHealthyPercentage, len(g.Instances), g.Healthy)
				if g.Status != "" {
					fmt.Fprintf(t, "; %s", g.Status)
				}
				fmt.Fprintln(t)
				if r := g.Refresh; r != nil {
					fmt.Fprintf(t, "refresh %s %s, %d%% complete, %d to update%s\n", r.ID, r.Status, r.PercentComplete,
						r.InstancesToUpdate, refreshReason(*r))
				}
				if g.Policy != nil {
					writePolicy(t, "policy: ", g)
				}
				fmt.Fprintln(t)
				instanceTable(t, g.Instances)
			})
		},
	})
}
