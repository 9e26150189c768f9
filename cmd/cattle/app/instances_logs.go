package app

import (
	"github.com/spf13/cobra"
)

func newInstancesLogsCommand(env *Env) *cobra.Command {
	var tail int
	cmd := &cobra.Command{
		Use:   "logs ID",
		Short: "print an instance's output",
		Args:  exactArgs(1, "instances logs takes one ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.Logs(ctx, args[0], tail)
			if err != nil {
				return env.call(err)
			}
			_, err = env.Out.Write(out)
			return err
		},
	}
	cmd.Flags().IntVar(&tail, "tail", 0, "only the last N lines (0: all)")
	return cmd
}
