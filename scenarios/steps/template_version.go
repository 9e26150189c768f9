package steps

import (
	"context"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[templateVersion]("template_version",
		scenarios.Doc("add a version to a launch template; keys not given are copied from the source version",
			"template_version: {template: web, env: {DEMO_VERSION: v2}}"))
}

type templateVersion struct {
	Template     string `yaml:"template,required" ref:"template"`
	templateSpec `yaml:",inline"`
	// From is the source version (a number, $Latest or $Default); $Latest
	// when empty.
	From    string `yaml:"from" default:"$Latest"`
	Default bool   `yaml:"default" default:"false"`
}

func (t *templateVersion) Validate() error { return t.templateSpec.validate() }

// Check counts the version this step adds, for later steps.
func (t *templateVersion) Check(c *scenarios.CheckContext) error {
	c.Add(versionsKey(t.Template), 1)
	return nil
}

func (t *templateVersion) Execute(ctx context.Context, r *scenarios.Run) error {
	v, err := r.Client.CreateVersion(ctx, t.Template, api.CreateVersionRequest{From: t.From, SetDefault: t.Default, TemplateData: t.data()})
	if err != nil {
		return err
	}
	def := ""
	if t.Default {
		def = ", now the default"
	}
	r.Notef("template %s version %d runs %s (%s)%s%s", t.Template, v.Version, v.Image, shortDigest(v.ImageDigest), withEnv(v.Env), def)
	return nil
}
