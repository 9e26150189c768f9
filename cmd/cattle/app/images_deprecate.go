package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newImagesDeprecateCommand(env *Env) *cobra.Command {
	var undo bool
	cmd := &cobra.Command{
		Use:   "deprecate REF",
		Short: "deprecate an image: it still launches, but images ls hides it",
		Args:  exactArgs(1, "images deprecate takes one REF: REPOSITORY:TAG or REPOSITORY@DIGEST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			img, err := c.DeprecateImage(ctx, args[0], undo)
			if err != nil {
				return env.call(err)
			}
			verb := "deprecated"
			if undo {
				verb = "no longer deprecated"
			}
			fmt.Fprintf(env.Out, "image %s %s\n", img.Ref(), verb)
			return nil
		},
	}
	cmd.Flags().BoolVar(&undo, "undo", false, "make the image current again")
	return cmd
}
