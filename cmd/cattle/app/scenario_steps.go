package app

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/scenarios"
)

// stepRow is a registered step as `scenario steps` lists it.
type stepRow struct {
	Step    string            `json:"step"`
	Kind    string            `json:"kind"`
	Summary string            `json:"summary"`
	Example string            `json:"example"`
	Keys    []scenarios.Param `json:"keys"`
}

// paramList writes a step's keys on one line, the required ones marked.
func paramList(ps []scenarios.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Key)
		if p.Required {
			b.WriteString(" (required)")
		}
	}
	return b.String()
}

func stepRows() []stepRow {
	var rows []stepRow
	for _, k := range scenarios.Kinds() {
		r := stepRow{Step: k.Key, Kind: "action", Summary: k.Summary, Example: k.Example, Keys: k.Params()}
		if k.Expectation {
			r.Kind = "expect " + k.Subject
		}
		if k.Section != "" {
			r.Kind += ", setup." + k.Section
		}
		rows = append(rows, r)
	}
	return rows
}

func newScenarioStepsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "steps",
		Short: "list the actions and expectations a scenario can use",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows := stepRows()
			return render(env, rows, func(t *tabwriter.Writer) {
				fmt.Fprintln(t, "STEP\tKIND\tWHAT IT DOES, AND AN EXAMPLE")
				for _, r := range rows {
					fmt.Fprintf(t, "%s\t%s\t%s\n", r.Step, r.Kind, r.Summary)
					if r.Example != "" {
						fmt.Fprintf(t, "\t\t  - %s\n", r.Example)
					}
					if len(r.Keys) > 0 {
						fmt.Fprintf(t, "\t\t    keys: %s\n", paramList(r.Keys))
					}
				}
			})
		},
	})
}
