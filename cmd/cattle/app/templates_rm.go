package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newTemplatesRmCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "delete a launch template and all its versions",
		Long: describe("Delete a launch template and all its versions.",
			"Instances launched from the template keep running. A group that launches from it\n"+
				"refuses the deletion: delete the group first ('cattle groups rm NAME')."),
		Args: exactArgs(1, "templates rm takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteTemplate(ctx, args[0]); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s removed with all its versions\n", args[0])
			return nil
		},
	}
}
