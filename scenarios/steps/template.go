package steps

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[createTemplate]("template",
		scenarios.SetupSection("templates", 10),
		scenarios.Doc("create a launch template (version 1), and any further versions listed",
			"template: {name: web, image: builtin/demo, port: 8080, health: {path: /healthz}, env: {DEMO_VERSION: v1}}"))
}

// createTemplate makes a launch template; versions adds versions 2, 3, ...
// right after, each from the one before.
type createTemplate struct {
	Name         string `yaml:"name,required" def:"template"`
	templateSpec `yaml:",inline"`
	Versions     []templateSpec `yaml:"versions" default:"none: only version 1"`
}

func (c *createTemplate) Validate() error {
	if c.Image == "" {
		c.Image = "builtin/demo"
	}
	if err := c.templateSpec.validate(); err != nil {
		return err
	}
	for _, v := range c.Versions {
		if err := v.validate(); err != nil {
			return scenarios.FieldError("versions", "%v", err)
		}
	}
	return nil
}

func (c *createTemplate) Execute(ctx context.Context, r *scenarios.Run) error {
	t, err := r.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: c.Name, TemplateData: c.data()})
	if err != nil {
		return err
	}
	// Registered before the groups that use it, so removed after them.
	r.OnCleanup(func(ctx context.Context) error { return r.Client.DeleteTemplate(ctx, c.Name) })
	v := t.Versions[0]
	r.Notef("template %s (%s) version 1 runs %s (%s)%s", t.Name, t.ID, v.Image, shortDigest(v.ImageDigest), withEnv(v.Env))
	for _, spec := range c.Versions {
		nv, err := r.Client.CreateVersion(ctx, c.Name, api.CreateVersionRequest{TemplateData: spec.data()})
		if err != nil {
			return fmt.Errorf("adding a version to %s: %w", c.Name, err)
		}
		r.Notef("template %s version %d runs %s (%s)%s", c.Name, nv.Version, nv.Image, shortDigest(nv.ImageDigest), withEnv(nv.Env))
	}
	return nil
}

// versionsKey is what check time counts a template's versions under.
func versionsKey(template string) string { return "template versions/" + template }

// Check counts the versions the template starts with, for later steps.
func (c *createTemplate) Check(cc *scenarios.CheckContext) error {
	cc.Add(versionsKey(c.Name), 1+len(c.Versions))
	return nil
}

// checkVersion refuses a version number a template does not have by the
// step that names it; $Latest, $Default and unknown templates pass here.
func checkVersion(c *scenarios.CheckContext, key, template, version string) error {
	n, err := strconv.Atoi(version)
	if err != nil || c.Defined("template", template) == nil {
		return nil
	}
	if have := c.Count(versionsKey(template)); n > have {
		return scenarios.FieldError(key, "template %s has %d version(s) by this step, not %d: add one before it with - template_version: {template: %s, ...}",
			template, have, n, template)
	}
	return nil
}
