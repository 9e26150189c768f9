package app

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/compute"
)

func newTemplatesCommand(env *Env) *cobra.Command {
	return newGroupCommand("templates", "launch templates: versions of what an instance runs",
		"A launch template is immutable: every change is a new version, numbered from 1.\n"+
			"A version pins the image DIGEST when it is made; a tag moved later changes nothing.",
		newTemplatesCreateCommand(env), newTemplatesVersionCommand(env), newTemplatesSetDefaultCommand(env),
		newTemplatesLsCommand(env), newTemplatesInspectCommand(env), newTemplatesRmCommand(env))
}

// templateFlags are the flags that describe a version's content.
type templateFlags struct {
	image, itype, health, userData, description string
	port                                        int
	env, command, capAdd, driftIgnore           []string
}

func (f *templateFlags) define(fs *pflag.FlagSet) {
	fs.StringVar(&f.image, "image", "", "image reference: builtin/demo, repo:tag, or an image the engine has")
	fs.IntVar(&f.port, "port", 0, "the TCP port the workload listens on (published on 127.0.0.1)")
	fs.StringVar(&f.itype, "type", "", "instance type: t3.nano, t3.micro (default), t3.small, t3.medium, t3.large")
	fs.StringVar(&f.health, "health", "", "health check path, e.g. /healthz")
	fs.StringArrayVar(&f.env, "env", nil, "environment variable KEY=VALUE (repeatable)")
	fs.StringArrayVar(&f.command, "command", nil, "command to run instead of the image's (repeat for each argument)")
	fs.StringVar(&f.userData, "user-data", "", "user data passed to the instance")
	fs.StringVar(&f.description, "description", "", "a note on this version")
	fs.StringArrayVar(&f.capAdd, "cap-add", nil, "capability to add back to instances (repeatable): NET_RAW, NET_BIND_SERVICE or SYS_PTRACE")
	fs.StringArrayVar(&f.driftIgnore, "drift-ignore", nil, "path (or pattern) whose changes are no drift, beside /tmp, /run, /var/log... (repeatable)")
}

func (f *templateFlags) data(fs *pflag.FlagSet) (compute.TemplateData, error) {
	d := compute.TemplateData{Image: f.image, InstanceType: f.itype, Port: f.port,
		Health: compute.HealthCheck{Path: f.health}, UserData: f.userData, Description: f.description}
	if fs.Changed("port") && (f.port < 1 || f.port > 65535) {
		return d, usagef("--port %d is out of range: use 1-65535", f.port)
	}
	if len(f.env) > 0 {
		d.Env = map[string]string{}
		for _, kv := range f.env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return d, usagef("--env %q is not KEY=VALUE", kv)
			}
			d.Env[k] = v
		}
	}
	if len(f.command) > 0 {
		d.Command = f.command
	}
	if len(f.capAdd) > 0 {
		d.CapAdd = f.capAdd
	}
	if len(f.driftIgnore) > 0 {
		d.DriftIgnore = f.driftIgnore
	}
	return d, nil
}

func envString(env map[string]string) string {
	var parts []string
	for k, v := range env {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
