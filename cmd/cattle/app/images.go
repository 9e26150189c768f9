package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/images"
)

func newImagesCommand(env *Env) *cobra.Command {
	return newGroupCommand("images", "images the sandbox can launch", "", newImagesLsCommand(env), newImagesBakeCommand(env))
}

func newImagesLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list images",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).Images, func(t *tabwriter.Writer, imgs []images.Image) {
			row(t, "NAME", "DIGEST", "STATE", "SIZE", "AGE")
			for _, i := range imgs {
				row(t, i.Name, short(i.Digest), i.State, humanBytes(i.Size), ago(i.CreatedAt))
			}
		}),
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
