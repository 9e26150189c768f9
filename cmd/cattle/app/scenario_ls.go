package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

// builtinRow is a built-in scenario as `scenario ls` lists it.
type builtinRow struct {
	Name        string `json:"name"`
	Runs        string `json:"runs"`
	Description string `json:"description"`
}

func newScenarioLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list the built-in scenarios, then the cookbook's examples",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var rows []builtinRow
			for _, b := range append(scenarios.Builtins(), scenarios.Cookbook()...) {
				runs := "yes"
				if _, err := scenarios.LoadChecked(b.Name); err != nil {
					runs = "broken: " + oneLine(err)
				}
				rows = append(rows, builtinRow{Name: b.Name, Runs: runs, Description: b.Description})
			}
			return render(env, rows, func(t *tabwriter.Writer) {
				row(t, "NAME", "RUNS", "DESCRIPTION")
				for _, r := range rows {
					row(t, r.Name, r.Runs, r.Description)
				}
			})
		},
	})
}
