package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newLBTargetsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "targets NAME",
		Short: "show each target's health state and reason",
		Args:  exactArgs(1, "lb targets takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.Targets(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, out, func(t *tabwriter.Writer) {
				row(t, "ID", "ADDRESS", "STATE", "REASON", "SINCE")
				for _, x := range out {
					row(t, x.ID, x.Address, x.State, x.Reason, ago(x.Since))
				}
			})
		},
	})
}
