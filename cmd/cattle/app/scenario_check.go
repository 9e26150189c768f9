package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

func newScenarioCheckCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:               "check NAME|FILE",
		Short:             "check a scenario file without running it",
		Args:              exactArgs(1, "scenario check takes one NAME or FILE"),
		ValidArgsFunction: completeScenario,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "%s: scenario %s is fine: %d setup steps, %d steps, timeout %s\n",
				sc.File, sc.Name, len(sc.Setup), len(sc.Steps), sc.Timeout)
			return nil
		},
	}
}
