package app

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
)

func instancesCommand() *command {
	return &command{
		name: "instances", summary: "instances: containers launched from a template version",
		subs: []*command{instancesRun(), instancesLs(), instancesInspect(), instancesTerminate(), instancesLogs()},
	}
}

func instancesRun() *command {
	var tpl, zone string
	var count int
	return &command{
		name: "run", summary: "launch instances from a launch template",
		usage: "instances run --template NAME[:VERSION] [--count N] [--zone Z]",
		long:  "VERSION is a number, $Latest or $Default (the default). Instances publish their port on 127.0.0.1.",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&tpl, "template", "", "launch template NAME[:VERSION]")
			fs.IntVar(&count, "count", 1, "how many instances")
			fs.StringVar(&zone, "zone", "", "zone-a, zone-b or zone-c (default: spread over the zones)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if tpl == "" || len(args) > 0 {
				return usagef("instances run needs --template NAME[:VERSION]: cattle instances run --template web --count 3")
			}
			if count < 1 || count > compute.MaxRunCount {
				return usagef("--count %d is out of range: use 1-%d", count, compute.MaxRunCount)
			}
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
}

func instanceTable(t *tabwriter.Writer, insts []compute.Instance) {
	row(t, "ID", "STATE", "TEMPLATE", "VERSION", "IMAGE", "ZONE", "ADDRESS", "GROUP", "AGE")
	for _, i := range insts {
		row(t, i.ID, i.State, i.Template, i.TemplateVersion, i.Image, i.Zone, i.Address, i.Group, ago(i.LaunchedAt))
	}
}

func instancesLs() *command {
	var live bool
	return &command{
		name: "ls", summary: "list instances (terminated ones stay listed for a while)", usage: "instances ls [--live] [-o table|json|yaml]", listing: true,
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&live, "live", false, "leave out terminated instances")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			insts, err := c.Instances(ctx)
			if err != nil {
				return env.call(err)
			}
			if live {
				kept := insts[:0]
				for _, i := range insts {
					if i.Live() {
						kept = append(kept, i)
					}
				}
				insts = kept
			}
			return render(env, insts, func(t *tabwriter.Writer) { instanceTable(t, insts) })
		},
	}
}

func instancesInspect() *command {
	return &command{
		name: "inspect", summary: "show one instance", usage: "instances inspect ID [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("instances inspect takes one ID")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			i, err := c.Instance(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			if env.Output == "table" {
				env.Output = "yaml" // one record reads best as fields
			}
			return render(env, i, nil)
		},
	}
}

func instancesTerminate() *command {
	return &command{
		name: "terminate", summary: "terminate instances (idempotent; none if any id is unknown)", usage: "instances terminate ID...",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) == 0 {
				return usagef("instances terminate takes one or more IDs")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			insts, err := c.Terminate(ctx, args...)
			for _, i := range insts {
				fmt.Fprintf(env.Out, "%s %s\n", i.ID, i.State)
			}
			return env.call(err)
		},
	}
}

func instancesLogs() *command {
	var tail int
	return &command{
		name: "logs", summary: "print an instance's output", usage: "instances logs ID [--tail N]",
		flags: func(fs *pflag.FlagSet) { fs.IntVar(&tail, "tail", 0, "only the last N lines (0: all)") },
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("instances logs takes one ID")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.Logs(ctx, args[0], tail)
			if err != nil {
				return env.call(err)
			}
			_, err = env.Out.Write(out)
			return err
		},
	}
}
