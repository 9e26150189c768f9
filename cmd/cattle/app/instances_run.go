package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
)

func newInstancesRunCommand(env *Env) *cobra.Command {
	var tpl, zone string
	var count int
	cmd := &cobra.Command{
		Use:   "run --template NAME[:VERSION]",
		Short: "launch instances from a launch template",
		Long: describe("Launch instances from a launch template.",
			"VERSION is a number, $Latest or $Default (the default). Instances publish their port on 127.0.0.1."),
		Args: exactArgs(0, "instances run takes no arguments, only flags: cattle instances run --template web --count 3"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tpl == "" {
				return usagef("instances run needs --template NAME[:VERSION]: cattle instances run --template web --count 3")
			}
			if count < 1 || count > compute.MaxRunCount {
				return usagef("--count %d is out of range: use 1-%d", count, compute.MaxRunCount)
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			name, version := compute.SplitTemplateRef(tpl)
			insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: name, Version: version, Count: count, Zone: zone})
			if err != nil {
				return env.call(err)
			}
			failed := 0
			for _, i := range insts {
				if i.State == compute.StateRunning {
					fmt.Fprintf(env.Out, "%s %s %s %s\n", i.ID, i.State, i.Zone, i.Address)
				} else {
					failed++
					fmt.Fprintf(env.Out, "%s %s: %s\n", i.ID, i.State, i.StateReason)
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d instances failed to launch", failed, len(insts))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tpl, "template", "", "launch template NAME[:VERSION]")
	fs.IntVar(&count, "count", 1, "how many instances")
	fs.StringVar(&zone, "zone", "", "zone-a, zone-b or zone-c (default: spread over the zones)")
	_ = cmd.RegisterFlagCompletionFunc("zone", cobra.FixedCompletions([]string{"zone-a", "zone-b", "zone-c"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
