package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newImagesRmCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rm REF",
		Short: "deregister an image: it leaves the registry and launches no new instance",
		Long: describe("Deregister an image.",
			"Its manifest leaves the registry (its layers go at the next prune) and no new\n"+
				"instance launches from it; running ones are unaffected. An image a template\n"+
				"version or a live instance uses is refused, naming them."),
		Args: exactArgs(1, "images rm takes one REF: REPOSITORY:TAG or REPOSITORY@DIGEST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			img, err := c.RemoveImage(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "image %s deregistered\n", img.Ref())
			return nil
		},
	}
}
