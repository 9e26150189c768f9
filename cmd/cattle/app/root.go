package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/internal/version"
)

// Annotations that mark how the root's flags apply to a command.
const (
	// annotListing marks a command that renders with -o table|json|yaml.
	annotListing = "cattle.dev/listing"
	// annotNoSandbox marks a command that needs no sandbox resolved.
	annotNoSandbox = "cattle.dev/no-sandbox"
)

func newRootCommand(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "cattle",
		Short: "a local cloud for immutable deploys",
		Long: "cattle is a local cloud for immutable deploys: launch templates, instances as containers,\n" +
			"auto scaling groups behind a real load balancer, rolling refresh and rollback, on the local Docker engine.\n\n" +
			"Start here:  cattle scenario run tour",
		Args:              cobra.ArbitraryArgs,
		RunE:              runGroup,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return prepare(env, cmd) },
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&env.Sandbox, "sandbox", "", "sandbox `NAME` (env CATTLE_SANDBOX, which 'scenario run' ignores; default \"default\")")
	pf.StringVar(&env.StateDir, "state-dir", "", "state directory `DIR` (env CATTLE_STATE_DIR; default $XDG_STATE_HOME/cattle/SANDBOX)")
	pf.StringVarP(&env.Output, "output", "o", "table", "`FORMAT` of listings: table, json or yaml")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%v: see '%s --help'", plainFlagError(err), cmd.CommandPath())
	})
	root.SetUsageTemplate(usageTemplate)
	root.AddCommand(
		newUpCommand(env),
		newDownCommand(env),
		newStatusCommand(env),
		newAWSEnvCommand(env),
		newImagesCommand(env),
		newReposCommand(env),
		newTemplatesCommand(env),
		newInstancesCommand(env),
		newLBCommand(env),
		newGroupsCommand(env),
		newDriftCommand(env),
		newScenarioCommand(env),
		newEventsCommand(env),
		newDashboardCommand(env),
		newStateCommand(env),
		newSandboxesCommand(env),
		newDemoAppCommand(env),
		newCompletionCommand(),
		newDocsCommand(env),
		newVersionCommand(env),
	)
	return root
}

// prepare runs before every command: it checks -o and resolves the
// sandbox and its state directory from the flags and the environment.
func prepare(env *Env, cmd *cobra.Command) error {
	env.SandboxFlag = cmd.Flags().Changed("sandbox")
	if _, ok := cmd.Annotations[annotListing]; ok {
		switch env.Output {
		case "table", "json", "yaml":
		default:
			return usagef("unknown output format %q: use -o table, json or yaml", env.Output)
		}
	} else if cmd.Flags().Changed("output") && !needsNoSandbox(cmd) {
		return usagef("-o is for listings only (ls, inspect, status, ...): drop it from '%s'", cmd.CommandPath())
	}
	if needsNoSandbox(cmd) {
		return nil
	}
	return resolveSandbox(env)
}

// needsNoSandbox reports whether cmd runs without a sandbox: help,
// completion and the demo app.
func needsNoSandbox(cmd *cobra.Command) bool {
	if strings.HasPrefix(cmd.Name(), cobra.ShellCompRequestCmd) || cmd.Name() == "help" {
		return true
	}
	for c := cmd; c != nil; c = c.Parent() {
		if _, ok := c.Annotations[annotNoSandbox]; ok {
			return true
		}
	}
	return false
}

// listing marks cmd as a listing: it takes -o table|json|yaml.
func listing(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotListing] = ""
	return cmd
}

// newGroupCommand makes a command that only holds others.
func newGroupCommand(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Long: describe(short, long), Args: cobra.ArbitraryArgs, RunE: runGroup}
	cmd.AddCommand(subs...)
	return cmd
}

// runGroup runs a command that holds others when no subcommand was
// named: it shows its help and exits 2, or names the unknown command.
func runGroup(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		_ = cmd.Help()
		return exitError{ExitUsage}
	case args[0] == "help":
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %s", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return usagef("%s: see '%s --help'", msg, cmd.CommandPath())
}

// describe is a command's long help: its summary, then more when there is.
func describe(short, long string) string {
	if long == "" {
		return short
	}
	return short + "\n\n" + long
}

// exactArgs, noArgs and minArgs check a command's positional arguments;
// a wrong count is a usage error that says what the command takes.
func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return argsError(cmd, msg)
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return argsError(cmd, strings.TrimPrefix(cmd.CommandPath(), "cattle ")+" takes no arguments")
	}
	return nil
}

func minArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return argsError(cmd, msg)
		}
		return nil
	}
}

// argsError names the fix: the example msg carries, or the command's help.
func argsError(cmd *cobra.Command, msg string) error {
	if strings.Contains(msg, ": cattle ") {
		return usageError{msg}
	}
	return usagef("%s: see '%s --help'", msg, cmd.CommandPath())
}

func newVersionCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use: "version", Short: "print cattle's version, commit, build date and Go version", Args: noArgs,
		Annotations: map[string]string{annotNoSandbox: ""},
		RunE: func(cmd *cobra.Command, args []string) error {
			info := version.Get()
			if env.Output == "table" {
				fmt.Fprintln(env.Out, info)
				return nil
			}
			return render(env, info, nil)
		},
	})
}

// usageTemplate is cobra's usage layout, but a command that only holds
// others shows "COMMAND [command]", not a usage line of its own.
const usageTemplate = `Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }}  {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`
