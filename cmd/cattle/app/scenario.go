package app

import (
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/cattle-dev/cattle/scenarios"
)

func newScenarioCommand(env *Env) *cobra.Command {
	return newGroupCommand("scenario", "run scripted, checkable scenarios (start with: scenario run tour)",
		"A scenario sets up a small local cloud, acts on it and checks that it behaved as a real\n"+
			"cloud would. 'scenario run' needs no daemon: it starts a sandbox of its own, runs the steps,\n"+
			"removes everything, and exits 0 only if every step passed (1 if one failed, 2 for a bad file).",
		newScenarioRunCommand(env), newScenarioLsCommand(env), newScenarioShowCommand(env),
		newScenarioCheckCommand(env), newScenarioStepsCommand(env))
}

// completeScenario offers the built-in scenarios' names, and files.
func completeScenario(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, n := range scenarios.BuiltinNames() {
		if strings.HasPrefix(n, toComplete) {
			names = append(names, n)
		}
	}
	return names, cobra.ShellCompDirectiveDefault
}

// terminal reports whether w is a terminal, and its width.
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false, 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return false, 0
	}
	return true, int(ws.Col)
}
