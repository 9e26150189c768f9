package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newImagesCommand(env *Env) *cobra.Command {
	return newGroupCommand("images", "images the sandbox can launch", "", newImagesLsCommand(env))
}

func newImagesLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list images",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			imgs, err := c.Images(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, imgs, func(t *tabwriter.Writer) {
				row(t, "NAME", "DIGEST", "STATE", "SIZE", "AGE")
				for _, i := range imgs {
					row(t, i.Name, short(i.Digest), i.State, humanBytes(i.Size), ago(i.CreatedAt))
				}
			})
		},
	})
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
