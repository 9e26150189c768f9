package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/sandbox"
)

func newSandboxesCommand(env *Env) *cobra.Command {
	noSandbox := map[string]string{annotNoSandbox: ""}
	ls := listing(&cobra.Command{
		Use:   "ls",
		Short: "list every sandbox found in the engine by label and on disk",
		Long: describe("List every sandbox found in the engine by label and on disk.",
			"STATUS is running (its daemon answers, or the process that owns it lives), stopped\n"+
				"(no daemon: 'cattle up' adopts what is left) or orphaned (a scenario run's sandbox\n"+
				"whose process is gone: 'cattle sandboxes prune' removes it)."),
		Args: noArgs, Annotations: noSandbox,
		RunE: withRuntime(func(cmd *cobra.Command, rt sandbox.Runtime) error {
			all, err := emulator.ListSandboxes(cmd.Context(), rt)
			if err != nil {
				return err
			}
			return render(env, nonNilSlice(all), func(t *tabwriter.Writer) {
				row(t, "NAME", "STATUS", "KIND", "CONTAINERS", "NETWORK", "STATE DIR")
				for _, s := range all {
					kind := "daemon"
					if s.Ephemeral {
						kind = fmt.Sprintf("scenario run (pid %d)", s.OwnerPID)
					}
					row(t, s.Name, s.Status, kind, s.Containers, yesNo(s.Network), s.StateDir)
				}
			})
		}),
	})
	prune := &cobra.Command{
		Use:   "prune",
		Short: "remove the sandboxes a killed scenario run left behind",
		Long: describe("Remove the sandboxes a killed scenario run left behind.",
			"Removes the containers, network, images and temporary state of every sandbox whose\n"+
				"owning process is gone (a scenario run killed with SIGKILL, a cancelled CI job). A\n"+
				"sandbox whose owner lives, or one that 'cattle up' started, is never touched.\n"+
				"Every 'cattle scenario run' does this first."),
		Args: noArgs, Annotations: noSandbox,
		RunE: withRuntime(func(cmd *cobra.Command, rt sandbox.Runtime) error {
			removed, err := emulator.PruneOrphans(cmd.Context(), rt)
			for _, s := range removed {
				fmt.Fprintf(env.Out, "removed sandbox %s (%d containers; its owner, pid %d, is gone)\n", s.Name, s.Containers, s.OwnerPID)
			}
			if err == nil && len(removed) == 0 {
				fmt.Fprintln(env.Out, "no orphaned sandboxes")
			}
			return err
		}),
	}
	return newGroupCommand("sandboxes", "every sandbox on this machine: list them, remove orphans", "", ls, prune)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// withRuntime runs a command that talks to the engine itself, not to a
// sandbox's daemon.
func withRuntime(run func(*cobra.Command, sandbox.Runtime) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		rt, err := newRuntime(cmd.Context())
		if err != nil {
			return err
		}
		defer rt.Close()
		return run(cmd, rt)
	}
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
