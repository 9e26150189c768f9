package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
)

func newTemplatesCreateCommand(env *Env) *cobra.Command {
	var f templateFlags
	cmd := &cobra.Command{
		Use:   "create NAME --image REF",
		Short: "create a launch template with its version 1",
		Args:  exactArgs(1, "templates create takes one NAME: cattle templates create web --image builtin/demo --port 8080"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.image == "" {
				return usagef("templates create needs --image REF (for example --image builtin/demo)")
			}
			data, err := f.data(cmd.Flags())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			t, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: args[0], TemplateData: data})
			if err != nil {
				return env.call(err)
			}
			v := t.Versions[0]
			fmt.Fprintf(env.Out, "template %s (%s) created: version 1 runs %s (%s)\n", t.Name, t.ID, v.Image, short(v.ImageDigest))
			return nil
		},
	}
	f.define(cmd.Flags())
	return cmd
}
