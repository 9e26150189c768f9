package app

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/images/demoapp"
)

// Version is set at build time.
var Version = "dev"

func rootCommand() *command {
	return &command{
		name: "cattle",
		long: "cattle is a local cloud for immutable deploys: launch templates, instances as containers,\n" +
			"auto scaling groups behind a real load balancer, rolling refresh and rollback, on the local Docker engine.\n\n" +
			"Start here:  cattle scenario run tour",
		subs: []*command{
			upCommand(),
			downCommand(),
			statusCommand(),
			imagesCommand(),
			templatesCommand(),
			instancesCommand(),
			lbCommand(),
			groupsCommand(),
			scenarioCommand(),
			eventsCommand(),
			stateCommand(),
			demoAppCommand(),
			versionCommand(),
		},
	}
}

func versionCommand() *command {
	return &command{
		name: "version", summary: "print cattle's version", usage: "version",
		run: func(ctx context.Context, env *Env, args []string) error {
			fmt.Fprintln(env.Out, "cattle", Version)
			return nil
		},
	}
}

func demoAppCommand() *command {
	return &command{
		name: "demo-app", summary: "run the demo workload (what the builtin/demo image runs)",
		usage: "demo-app [--listen ADDR] [--self-test]",
		long:  "Serves / (version, instance id, hostname), /healthz and /admin/* fault switches.\nEnvironment: DEMO_VERSION, DEMO_FAIL_HEALTH=1, DEMO_LATENCY=200ms, DEMO_ERROR_RATE=0.1, DEMO_CRASH_AFTER=30s.",
	}
}

// demoApp hands the whole argument list to the demo app, which has flags of its own.
func runDemoApp(ctx context.Context, args []string, s Streams) error {
	return demoapp.Run(ctx, args, s.Out, s.Err)
}
