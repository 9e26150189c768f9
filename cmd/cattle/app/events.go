package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/store"
)

func newEventsCommand(env *Env) *cobra.Command {
	var follow, asJSON bool
	var after uint64
	cmd := &cobra.Command{
		Use:   "events",
		Short: "print the sandbox's event log (every state change)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			// With --follow each request is a long poll: the daemon
			// answers as soon as there is an event, or after wait.
			wait := time.Duration(0)
			if follow {
				wait = 25 * time.Second
			}
			for {
				evs, err := c.Events(ctx, after, wait)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return env.call(err)
				}
				printEvents(env, evs, asJSON)
				if len(evs) > 0 {
					after = evs[len(evs)-1].Seq
				}
				if !follow {
					return nil
				}
			}
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	fs.Uint64Var(&after, "after", 0, "only events after this sequence number")
	fs.BoolVar(&asJSON, "json", false, "one JSON object per line")
	return cmd
}

func printEvents(env *Env, evs []store.Event, asJSON bool) {
	for _, e := range evs {
		if asJSON {
			_ = writeJSONLine(env.Out, e)
			continue
		}
		fmt.Fprintf(env.Out, "%6d  %s  %-16s %s\n", e.Seq, e.Time.Local().Format("15:04:05.000"), e.Kind, e.Message)
	}
}
