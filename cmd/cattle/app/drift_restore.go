package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newDriftRestoreCommand(env *Env) *cobra.Command {
	var zone string
	cmd := &cobra.Command{
		Use:   "restore [--zone Z]",
		Short: "end injected zone outages: launches there are allowed again",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.RestoreDrift(ctx, zone, commandLine(cmd, args))
			if err != nil {
				return driftUsage(env.call(err))
			}
			fmt.Fprintf(env.Out, "restored: %s\n", strings.Join(out.Zones, ", "))
			return nil
		},
	}
	cmd.Flags().StringVar(&zone, "zone", "", "the zone to restore (default: every zone down)")
	return cmd
}
