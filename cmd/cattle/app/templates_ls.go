package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
)

func newTemplatesLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list launch templates",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).Templates, func(t *tabwriter.Writer, ts []compute.Template) {
			row(t, "NAME", "ID", "DEFAULT", "LATEST", "AGE")
			for _, x := range ts {
				row(t, x.Name, x.ID, x.DefaultVersion, x.LatestVersion, ago(x.CreatedAt))
			}
		}),
	})
}
