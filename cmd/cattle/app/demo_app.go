package app

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/images/demoapp"
)

// newDemoAppCommand runs the demo app, a program of its own that ships
// inside this binary: it parses its own flags, --help included.
func newDemoAppCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo-app [--listen ADDR] [--self-test]",
		Short: "run the demo workload (what the builtin/demo image runs)",
		Long: "Serves / (version, instance id, hostname), /healthz and /admin/* fault switches.\n" +
			"Environment: DEMO_VERSION, DEMO_FAIL_HEALTH=1, DEMO_LATENCY=200ms, DEMO_ERROR_RATE=0.1, DEMO_CRASH_AFTER=30s.\n" +
			"Run 'cattle demo-app --help' for its flags.",
		DisableFlagParsing: true,
		Annotations:        map[string]string{annotNoSandbox: ""},
		RunE: func(cmd *cobra.Command, args []string) error {
			return demoapp.Run(cmd.Context(), withoutGlobalFlags(args), env.Out, env.Err)
		},
	}
}

// withoutGlobalFlags drops the root's flags that stood before demo-app on
// the command line (cattle --sandbox x demo-app ...): they are cattle's,
// not the demo app's.
func withoutGlobalFlags(args []string) []string {
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(args[0], "=")
		switch name {
		case "--sandbox", "--state-dir", "--output", "-o":
		default:
			return args
		}
		args = args[1:]
		if !hasValue && len(args) > 0 {
			args = args[1:]
		}
	}
	return args
}
