package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newTemplatesSetDefaultCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "set-default NAME VERSION",
		Short: "make a version the template's default",
		Args:  exactArgs(2, "templates set-default takes NAME VERSION: cattle templates set-default web 2"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			t, err := c.SetDefaultVersion(ctx, args[0], args[1])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s default version is now %d\n", t.Name, t.DefaultVersion)
			return nil
		},
	}
}
