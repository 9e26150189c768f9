package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGroupsUpdateCommand(env *Env) *cobra.Command {
	var mode string
	cmd := &cobra.Command{
		Use:   "update NAME --drift replace|report",
		Short: "change what drift detection does with a group's drifted instances",
		Args:  exactArgs(1, "groups update takes one NAME: cattle groups update web --drift report"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("drift") {
				return usagef("groups update needs --drift replace|report: see 'cattle groups update --help'")
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.SetGroupDrift(ctx, args[0], mode)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s: drift %s\n", g.Name, g.DriftMode())
			return nil
		},
	}
	cmd.Flags().StringVar(&mode, "drift", "", "replace (terminate through draining, launch fresh) or report (only report)")
	return cmd
}
