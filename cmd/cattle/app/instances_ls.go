package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newInstancesLsCommand(env *Env) *cobra.Command {
	var live bool
	cmd := listing(&cobra.Command{
		Use:   "ls",
		Short: "list instances (terminated ones stay listed for a while)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			insts, err := c.Instances(ctx)
			if err != nil {
				return env.call(err)
			}
			if live {
				kept := insts[:0]
				for _, i := range insts {
					if i.Live() {
						kept = append(kept, i)
					}
				}
				insts = kept
			}
			return render(env, insts, func(t *tabwriter.Writer) { instanceTable(t, insts) })
		},
	})
	cmd.Flags().BoolVar(&live, "live", false, "leave out terminated instances")
	return cmd
}
