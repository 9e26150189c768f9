package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/drift"
)

func newDriftInjectCommand(env *Env) *cobra.Command {
	var spec drift.InjectSpec
	var random bool
	var errorRate float64
	cmd := &cobra.Command{
		Use:   "inject [INSTANCE] --kind KIND [options] [-- COMMAND ARGS (exec)]",
		Short: "break instances the ways people do: " + strings.Join(drift.Kinds, ", "),
		Example: "  cattle drift inject i-0123456789abcdef0 --kind file --path /etc/motd --content hotfix\n" +
			"  cattle drift inject --group web --random --kind exec -- sh -c 'echo fix >> /app/config'\n" +
			"  cattle drift inject --group web --zone zone-a --kind zone-outage",
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			pos := args
			if dash >= 0 {
				pos, spec.Command = args[:dash], args[dash:]
			}
			if len(pos) > 1 {
				return usagef("drift inject takes at most one INSTANCE: see 'cattle drift inject --help'")
			}
			if len(pos) == 1 {
				spec.Instance = pos[0]
			}
			if cmd.Flags().Changed("error-rate") {
				spec.ErrorRate = &errorRate
			}
			_ = random // the default with --group: one instance at random
			spec.By = commandLine(cmd, args)
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.InjectDrift(ctx, spec)
			if err != nil {
				return driftUsage(env.call(err))
			}
			if out.Zone != "" {
				fmt.Fprintf(env.Out, "zone %s down: %d instance(s) stopped, launches there refused until 'cattle drift restore'\n", out.Zone, len(out.Instances))
			}
			for _, ch := range out.Changes {
				fmt.Fprintf(env.Out, "%s: %s\n", out.Kind, ch)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&spec.Kind, "kind", "", "what to break: "+strings.Join(drift.Kinds, ", "))
	fs.StringVar(&spec.Group, "group", "", "pick the target(s) in this group")
	fs.BoolVar(&random, "random", false, "with --group: one instance at random (the default)")
	fs.IntVar(&spec.Count, "count", 0, "with --group: this many instances at random")
	fs.StringVar(&spec.Zone, "zone", "", "with --group: every instance in this zone; zone-outage: the zone to take down")
	fs.StringVar(&spec.Path, "path", "", "file: the file to write or delete")
	fs.StringVar(&spec.Content, "content", "", "file: the text to write")
	fs.BoolVar(&spec.Delete, "delete", false, "file: delete the file instead")
	fs.StringVar(&spec.Image, "image", "", "image-swap: the image to swap in (default: a patched copy of its own)")
	fs.StringVar(&spec.Env, "env", "", "env: KEY=VALUE to set in the container made again (default CATTLE_HOTFIX=1)")
	fs.StringVar(&spec.Latency, "latency", "", "app: added latency, like 200ms")
	fs.Float64Var(&errorRate, "error-rate", 0, "app: share of requests answered 500 (0-1)")
	fs.BoolVar(&spec.FailHealth, "fail-health", false, "app: make the health check fail")
	return cmd
}
