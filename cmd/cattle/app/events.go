package app

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/store"
)

func eventsCommand() *command {
	var follow, asJSON bool
	var after uint64
	return &command{
		name: "events", summary: "print the sandbox's event log (every state change)",
		usage: "events [--follow] [--after SEQ] [--json]",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
			fs.Uint64Var(&after, "after", 0, "only events after this sequence number")
			fs.BoolVar(&asJSON, "json", false, "one JSON object per line")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			print := func(evs []store.Event) {
				for _, e := range evs {
					if asJSON {
						_ = writeJSONLine(env.Out, e)
						continue
					}
					fmt.Fprintf(env.Out, "%6d  %s  %-16s %s\n", e.Seq, e.Time.Local().Format("15:04:05.000"), e.Kind, e.Message)
				}
			}
			for {
				wait := time.Duration(0)
				if follow {
					wait = 25 * time.Second
				}
				evs, err := c.Events(ctx, after, wait)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return env.call(err)
				}
				print(evs)
				if len(evs) > 0 {
					after = evs[len(evs)-1].Seq
				}
				if !follow {
					return nil
				}
			}
		},
	}
}
