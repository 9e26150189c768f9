package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newImagesPruneCommand(env *Env) *cobra.Command {
	var dryRun bool
	cmd := listing(&cobra.Command{
		Use:   "prune",
		Short: "apply the repositories' lifecycle policies now, then free unreferenced layers",
		Long: describe("Apply the repositories' lifecycle policies now (the daemon does every hour).",
			"Each rule, lowest rulePriority first, expires the images it selects, oldest push\n"+
				"first; an image is expired by at most one rule, and one a template version or a\n"+
				"live instance uses never is. Then the layers no manifest references are removed\n"+
				"and the bytes freed reported. --dry-run only shows what would expire."),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			res, err := c.PruneImages(ctx, dryRun)
			if err != nil {
				return env.call(err)
			}
			return render(env, res, func(t *tabwriter.Writer) {
				verb := "expired"
				if dryRun {
					verb = "would expire"
				}
				row(t, "REPOSITORY", "TAGS", "DIGEST", "PUSHED", "RULE")
				for _, e := range res.Expired {
					row(t, e.Image.Repository, tagList(e.Image.Tags), short(e.Image.Digest), ago(e.Image.PushedAt), e.Rule)
				}
				if dryRun {
					fmt.Fprintf(t, "\n%d images %s (%s)\n", len(res.Expired), verb, humanBytes(res.FreedBytes))
					return
				}
				fmt.Fprintf(t, "\n%d images %s, %s freed\n", len(res.Expired), verb, humanBytes(res.FreedBytes))
			})
		},
	})
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would expire; change nothing")
	return cmd
}
