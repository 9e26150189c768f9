package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

func newScenarioShowCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "print a built-in scenario or a cookbook example, to copy and edit",
		Long: describe("Print a built-in scenario or a cookbook example, to copy and edit.",
			"The cookbook holds short, commented examples, one question each:\n"+cookbookList()+
				"Each runs as it is (cattle scenario run NAME) and in cattle's own tests."),
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

// cookbookList is the cookbook's examples, a line each.
func cookbookList() string {
	var b strings.Builder
	for _, c := range scenarios.Cookbook() {
		first, _, _ := strings.Cut(strings.TrimPrefix(c.Description, "Cookbook: "), ". ")
		fmt.Fprintf(&b, "  %-20s %s\n", c.Name, strings.TrimSuffix(first, "."))
	}
	return b.String()
}
