package app

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newTemplatesInspectCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "inspect NAME",
		Short: "show a launch template and its versions",
		Args:  exactArgs(1, "templates inspect takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			d, err := c.Template(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, d, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "template %s (%s), default version %d, latest %d\n\n", d.Name, d.ID, d.DefaultVersion, d.LatestVersion)
				row(t, "VERSION", "IMAGE", "DIGEST", "TYPE", "PORT", "HEALTH", "ENV", "CAP-ADD")
				for _, v := range d.Versions {
					mark := fmt.Sprint(v.Version)
					if v.Version == d.DefaultVersion {
						mark += " (default)"
					}
					row(t, mark, v.Image, short(v.ImageDigest), v.InstanceType, v.Port, v.Health.Path, envString(v.Env), strings.Join(v.CapAdd, ","))
				}
			})
		},
	})
}
