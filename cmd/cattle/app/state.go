package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/store"
)

func newStateCommand(env *Env) *cobra.Command {
	return newGroupCommand("state", "the sandbox's state file: restore it from a backup",
		"The daemon checks its state file before it uses it, and copies it to STATE_DIR/backups\n"+
			"at start, every few minutes while it runs and at shutdown (the last 3 are kept).",
		&cobra.Command{
			Use:   "restore",
			Short: "bring back the newest good backup of the state file",
			Long: describe("Bring back the newest good backup of the state file.",
				"Replaces STATE_DIR/state.db with the newest backup that passes the checks, and keeps the\n"+
					"file it replaces beside it as state.db.damaged-TIMESTAMP. Refused while the daemon runs."),
			Args: noArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return restoreState(env) },
		})
}

func restoreState(env *Env) error {
	paths := emulator.PathsIn(env.StateDir)
	if store.Locked(paths.DB) {
		return fmt.Errorf("sandbox %s is running: stop it with 'cattle down%s', then restore its state", env.Sandbox, env.sandboxFlag())
	}
	res, err := store.Restore(paths.DB)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "sandbox %s: state restored from %s", env.Sandbox, res.From)
	if res.KeptAs != "" {
		fmt.Fprintf(env.Out, "; the file it replaced is kept as %s", res.KeptAs)
	}
	fmt.Fprintf(env.Out, "\nstart it with 'cattle up%s'\n", env.sandboxFlag())
	return nil
}

// checkStateFile refuses a damaged state file before a daemon is started
// on it, so that `up` answers in one line. A file a daemon holds is that
// daemon's to check.
func checkStateFile(paths emulator.Paths) error {
	if store.Locked(paths.DB) {
		return nil
	}
	return store.Verify(paths.DB)
}
