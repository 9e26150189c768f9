package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

func newScenarioCheckCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "check NAME|FILE",
		Short: "check a scenario file without running it",
		Long: describe("Check a scenario file without running it.",
			"Finds what a run would refuse before it starts anything: YAML and type errors, unknown keys,\n"+
				"values the API would refuse (percentages, checkpoints, capacities, weights, durations),\n"+
				"a name no earlier step makes (a group, load balancer, template, load or step), and a step\n"+
				"that could never pass (a refresh its group leaves no room for, more instances than a\n"+
				"group's max). Every problem is listed at once, in file order, as FILE:LINE:COLUMN, up to\n"+
				fmt.Sprintf("%d. 'scenario run' does the same check first; both exit 2 on a problem.", scenarios.MaxErrors)),
		Args:              exactArgs(1, "scenario check takes one NAME or FILE"),
		ValidArgsFunction: completeScenario,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.LoadChecked(args[0])
			if err != nil {
				return fileProblems(env, args[0], err)
			}
			fmt.Fprintf(env.Out, "%s: scenario %s is fine: %d setup steps, %d steps, timeout %s\n",
				sc.File, sc.Name, len(sc.Setup), len(sc.Steps), sc.Timeout)
			return nil
		},
	}
}

// fileProblems prints a scenario's problems one a line, as compilers do,
// and ends with exit 2; another error goes back as it is.
func fileProblems(env *Env, name string, err error) error {
	var fes *scenarios.FileErrors
	if !errors.As(err, &fes) {
		return err
	}
	for _, p := range scenarios.Problems(err) {
		fmt.Fprintln(env.Err, p)
	}
	fmt.Fprintf(env.Err, "cattle: scenario %s has %d problems: fix them and check again\n", name, len(fes.Errs)+fes.Omitted)
	return exitError{ExitUsage}
}

// scenarioName is what a report calls a scenario that did not parse: its
// file's name without the extension, or the built-in's name.
func scenarioName(nameOrPath string) string {
	return strings.TrimSuffix(filepath.Base(nameOrPath), filepath.Ext(nameOrPath))
}
