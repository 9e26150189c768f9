package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newTemplatesLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list launch templates",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			ts, err := c.Templates(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, ts, func(t *tabwriter.Writer) {
				row(t, "NAME", "ID", "DEFAULT", "LATEST", "AGE")
				for _, x := range ts {
					row(t, x.Name, x.ID, x.DefaultVersion, x.LatestVersion, ago(x.CreatedAt))
				}
			})
		},
	})
}
