package app

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

func newScenarioShowCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:               "show NAME",
		Short:             "print a built-in scenario, to copy and edit",
		Args:              exactArgs(1, "scenario show takes one NAME: cattle scenario show tour > my-tour.yaml"),
		ValidArgsFunction: cobra.FixedCompletions(scenarios.BuiltinNames(), cobra.ShellCompDirectiveNoFileComp),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, ok := scenarios.LookupBuiltin(args[0])
			if !ok {
				return usagef("no built-in scenario %q: the built-ins are %s", args[0], strings.Join(scenarios.BuiltinNames(), ", "))
			}
			_, err := env.Out.Write(b.Source)
			return err
		},
	}
}
