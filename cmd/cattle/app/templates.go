package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
)

func templatesCommand() *command {
	return &command{
		name: "templates", summary: "launch templates: versions of what an instance runs",
		long: "A launch template is immutable: every change is a new version, numbered from 1.\n" +
			"A version pins the image DIGEST when it is made; a tag moved later changes nothing.",
		subs: []*command{templatesCreate(), templatesVersion(), templatesSetDefault(), templatesLs(), templatesInspect(), templatesRm()},
	}
}

// templateFlags are the flags that describe a version's content.
type templateFlags struct {
	image, itype, health, userData, description string
	port                                        int
	env, command, capAdd                        []string
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
	return d, nil
}

func templatesCreate() *command {
	var f templateFlags
	var fs *pflag.FlagSet
	return &command{
		name: "create", summary: "create a launch template with its version 1",
		usage: "templates create NAME --image REF [--port N] [--type T] [--health PATH] [--env K=V]... [--cap-add CAP]...",
		flags: func(s *pflag.FlagSet) { fs = s; f.define(s) },
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("templates create takes one NAME: cattle templates create web --image builtin/demo --port 8080")
			}
			if f.image == "" {
				return usagef("templates create needs --image REF (for example --image builtin/demo)")
			}
			data, err := f.data(fs)
			if err != nil {
				return err
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			t, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: args[0], TemplateData: data})
			if err != nil {
				return env.call(err)
			}
			v := t.Versions[0]
			fmt.Fprintf(env.Out, "template %s (%s) created: version 1 runs %s (%s)\n", t.Name, t.ID, v.Image, short(v.ImageDigest))
			return nil
		},
	}
}

func templatesVersion() *command {
	var f templateFlags
	var from string
	var setDefault bool
	var fs *pflag.FlagSet
	return &command{
		name: "version", summary: "add a version to a launch template",
		usage: "templates version NAME [--image REF] [--env K=V]... [--cap-add CAP]... [--from V] [--default]",
		long:  "Fields not given are copied from the source version ($Latest unless --from says otherwise).",
		flags: func(s *pflag.FlagSet) {
			fs = s
			f.define(s)
			s.StringVar(&from, "from", "", "source version to copy unset fields from (number, $Latest, $Default)")
			s.BoolVar(&setDefault, "default", false, "make the new version the default")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("templates version takes one NAME: cattle templates version web --env DEMO_VERSION=v2")
			}
			data, err := f.data(fs)
			if err != nil {
				return err
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			v, err := c.CreateVersion(ctx, args[0], api.CreateVersionRequest{From: from, SetDefault: setDefault, TemplateData: data})
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s version %d created: runs %s (%s)\n", v.TemplateName, v.Version, v.Image, short(v.ImageDigest))
			return nil
		},
	}
}

func templatesSetDefault() *command {
	return &command{
		name: "set-default", summary: "make a version the template's default",
		usage: "templates set-default NAME VERSION",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 2 {
				return usagef("templates set-default takes NAME VERSION: cattle templates set-default web 2")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			t, err := c.SetDefaultVersion(ctx, args[0], args[1])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s default version is now %d\n", t.Name, t.DefaultVersion)
			return nil
		},
	}
}

func templatesLs() *command {
	return &command{
		name: "ls", summary: "list launch templates", usage: "templates ls [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			ts, err := c.Templates(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, ts, func(t *tabwriter.Writer) {
				row(t, "NAME", "ID", "DEFAULT", "LATEST", "AGE")
				for _, x := range ts {
					row(t, x.Name, x.ID, x.DefaultVersion, x.LatestVersion, ago(x.CreatedAt))
				}
			})
		},
	}
}

func templatesInspect() *command {
	return &command{
		name: "inspect", summary: "show a launch template and its versions", usage: "templates inspect NAME [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("templates inspect takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			d, err := c.Template(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, d, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "template %s (%s), default version %d, latest %d\n\n", d.Name, d.ID, d.DefaultVersion, d.LatestVersion)
				row(t, "VERSION", "IMAGE", "DIGEST", "TYPE", "PORT", "HEALTH", "ENV", "CAP-ADD")
				for _, v := range d.Versions {
					mark := fmt.Sprint(v.Version)
					if v.Version == d.DefaultVersion {
						mark += " (default)"
					}
					row(t, mark, v.Image, short(v.ImageDigest), v.InstanceType, v.Port, v.Health.Path, envString(v.Env), strings.Join(v.CapAdd, ","))
				}
			})
		},
	}
}

func templatesRm() *command {
	return &command{
		name: "rm", summary: "delete a launch template and all its versions",
		usage: "templates rm NAME",
		long: "Instances launched from the template keep running. A group that launches from it\n" +
			"refuses the deletion: delete the group first ('cattle groups rm NAME').",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("templates rm takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteTemplate(ctx, args[0]); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "template %s removed with all its versions\n", args[0])
			return nil
		},
	}
}

func envString(env map[string]string) string {
	var parts []string
	for k, v := range env {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
