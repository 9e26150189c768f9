package app

import (
	"context"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/images"
)

func newImagesLsCommand(env *Env) *cobra.Command {
	var all bool
	cmd := listing(&cobra.Command{
		Use:   "ls",
		Short: "list images (deprecated and removed ones with --all)",
		Args:  noArgs,
		RunE: fromDaemon(env, func(c *api.Client, ctx context.Context) ([]images.Image, error) { return c.Images(ctx, all) },
			func(t *tabwriter.Writer, imgs []images.Image) {
				row(t, "REPOSITORY", "TAGS", "DIGEST", "STATE", "SIZE", "PUSHED")
				for _, i := range imgs {
					state := i.State
					if i.Deprecated {
						state += " (deprecated)"
					}
					row(t, i.Repository, tagList(i.Tags), short(i.Digest), state, humanBytes(i.Size), ago(i.PushedAt))
				}
			}),
	})
	cmd.Flags().BoolVar(&all, "all", false, "include deprecated and deregistered images")
	return cmd
}
