package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newGroupsRefreshesCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "refreshes NAME",
		Short: "list a group's instance refreshes, newest first",
		Args:  exactArgs(1, "groups refreshes takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			rs, err := c.Refreshes(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, rs, func(t *tabwriter.Writer) {
				row(t, "ID", "STATUS", "PERCENT", "TO-UPDATE", "FROM", "TO", "STARTED", "REASON")
				for _, r := range rs {
					row(t, r.ID, r.Status, fmt.Sprintf("%d%%", r.PercentComplete), r.InstancesToUpdate, r.Previous, r.Target,
						ago(r.StartTime), r.StatusReason)
				}
			})
		},
	})
}
