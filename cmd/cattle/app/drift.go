package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

func newDriftCommand(env *Env) *cobra.Command {
	return newGroupCommand("drift", "detect drift, inject it, restore zones",
		"Drift is any difference between what was launched and what runs: a container missing, stopped or paused,\n"+
			"running another image, configured otherwise, or with files changed. A scan runs in the daemon at the\n"+
			"timing profile's interval and on demand; a group set to --drift replace (the default) terminates a\n"+
			"drifted instance through draining and launches a fresh one, never repairing it in place.",
		newDriftScanCommand(env), newDriftInjectCommand(env), newDriftRestoreCommand(env))
}

// driftUsage makes bad input to a drift command exit 2: a target that
// does not exist is bad input here, not a failure.
func driftUsage(err error) error {
	if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrInvalid) {
		return usagef("%s", oneLine(err))
	}
	return err
}

// commandLine is the command as typed, for the event an injection records.
func commandLine(cmd *cobra.Command, args []string) string {
	line := cmd.CommandPath() + " " + strings.Join(args, " ")
	cmd.Flags().Visit(func(f *pflag.Flag) {
		line += fmt.Sprintf(" --%s=%s", f.Name, f.Value.String())
	})
	return strings.TrimSpace(line)
}
