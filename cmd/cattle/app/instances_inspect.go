package app

import (
	"github.com/spf13/cobra"
)

func newInstancesInspectCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "inspect ID",
		Short: "show one instance",
		Args:  exactArgs(1, "instances inspect takes one ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			i, err := c.Instance(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			if env.Output == "table" {
				env.Output = "yaml" // one record reads best as fields
			}
			return render(env, i, nil)
		},
	})
}
