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

// paramLines writes a step's keys one a line, each with what applies
// when it is absent, or that the step needs it.
func paramLines(ps []scenarios.Param, indent string) string {
	width := 0
	for _, p := range ps {
		width = max(width, len(p.Key))
	}
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s%-*s  %s\n", indent, width, p.Key, paramDefault(p))
	}
	return b.String()
}

// paramDefault says what a key is worth when a step leaves it out.
func paramDefault(p scenarios.Param) string {
	if p.Required {
		return "required"
	}
	return "default " + p.Default
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
		Long: describe("List the actions and expectations a scenario can use.",
			"First the keys every step takes and the windows expectations look at, then each step\n"+
				"with what it does, an example and its own keys, each with its default or marked required."),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows := stepRows()
			return render(env, rows, func(t *tabwriter.Writer) {
				fmt.Fprint(t, stepsPreamble)
				fmt.Fprintln(t, "STEP\tKIND\tWHAT IT DOES, AND AN EXAMPLE")
				for _, r := range rows {
					fmt.Fprintf(t, "%s\t%s\t%s\n", r.Step, r.Kind, r.Summary)
					if r.Example != "" {
						fmt.Fprintf(t, "\t\t  - %s\n", r.Example)
					}
					if len(r.Keys) > 0 {
						fmt.Fprint(t, paramLines(r.Keys, "\t\t    "))
					}
				}
			})
		},
	})
}

// stepsPreamble is said once, before the steps: the keys every step takes,
// and what the windows of expectations cover.
const stepsPreamble = `Every step takes:
  name: TEXT        names the step, for the windows of later steps (and the timeline)
  within: DURATION  expectations: check again until it holds or the time is up (default: once)
  as: NAME          steps that pick or launch instances (run_instances, remove_instance,
                    terminate, fault): save them for later steps as $NAME, $NAME.0, ...
  wait, timeout     actions that start something long (group, refresh, rollback, ...): with
                    wait: true the step ends when it does, within timeout

Each step's keys follow its example, with what applies when a key is left out (its
default) or "required". "The profile's" value is the sandbox's timing profile's (fast or
aws: the scenario's timing key or --timing); "the API's" is what the API applies itself.

Windows: load expectations (errors, latency, shares, versions) and invariants (in_service,
healthy_targets) look at part of the run, named by an earlier step S:

              S starts          S ends                    this expectation
  ----------------|=================|---------------------------|----------> time
  during: S       [=================]                           .
  from: S         [=============================================]
  since: S                          [===========================]
  until: S   ...==]                 .                           .

  during: S  while S ran, from its start to its end
  from: S    from the start of S on: a load started by S, counted from its first request
  since: S   from the end of S on: for a step S that waits 5s, only what came after the
             wait; to count the wait itself, use during: S or from: S
  until: S   up to the start of S; with from or since it closes their window, alone it
             opens at the run's start
  An invariant is sampled every 100ms while its window is open, up to the end of S (during)
  or up to this expectation (from, since); a load expectation without a window looks at
  all of the load.

`
