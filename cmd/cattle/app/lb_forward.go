package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/elb"
)

func newLBForwardCommand(env *Env) *cobra.Command {
	var to []string
	cmd := &cobra.Command{
		Use:   "forward NAME --to GROUP=WEIGHT...",
		Short: "split traffic by weight between target groups (blue/green, canary)",
		Long: describe("Split traffic by weight between target groups (blue/green, canary).",
			"Each GROUP is the target group of a load balancer of that name; weights are 0-999.\n"+
				"Example: cattle lb forward web --to web=90 --to web-green=10"),
		Args: exactArgs(1, "lb forward takes NAME and --to GROUP=WEIGHT: cattle lb forward web --to web=90 --to green=10"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(to) == 0 {
				return usagef("lb forward takes NAME and --to GROUP=WEIGHT: cattle lb forward web --to web=90 --to green=10")
			}
			var fs []elb.Forward
			for _, s := range to {
				name, w, ok := strings.Cut(s, "=")
				weight, err := strconv.Atoi(w)
				if !ok || err != nil {
					return usagef("--to %q is not GROUP=WEIGHT", s)
				}
				fs = append(fs, elb.Forward{TargetGroup: name, Weight: weight})
			}
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.SetForwards(ctx, args[0], fs)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "load balancer %s forwards to %s\n", out.Name, forwardsString(out.Forwards))
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&to, "to", nil, "target group and weight, GROUP=WEIGHT (repeatable)")
	return cmd
}
