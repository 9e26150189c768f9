package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
)

func newTemplatesVersionCommand(env *Env) *cobra.Command {
	var f templateFlags
	var from string
	var setDefault bool
	var unsetEnv []string
	cmd := &cobra.Command{
		Use:   "version NAME",
		Short: "add a version to a launch template",
		Long: describe("Add a version to a launch template.",
			"Fields not given are copied from the source version ($Latest unless --from says otherwise);\n"+
				"--unset-env drops an environment variable the source has, e.g. one that broke it."),
		Args: exactArgs(1, "templates version takes one NAME: cattle templates version web --env DEMO_VERSION=v2"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := f.data(cmd.Flags())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			v, err := c.CreateVersion(ctx, args[0], api.CreateVersionRequest{From: from, SetDefault: setDefault, UnsetEnv: unsetEnv, TemplateData: data})
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s version %d created: runs %s (%s)\n", v.TemplateName, v.Version, v.Image, short(v.ImageDigest))
			return nil
		},
	}
	fs := cmd.Flags()
	f.define(fs)
	fs.StringVar(&from, "from", "", "source version to copy unset fields from (number, $Latest, $Default)")
	fs.BoolVar(&setDefault, "default", false, "make the new version the default")
	fs.StringArrayVar(&unsetEnv, "unset-env", nil, "environment variable KEY the new version drops from its source (repeatable)")
	return cmd
}
