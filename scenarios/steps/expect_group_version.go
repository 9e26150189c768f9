package steps

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectGroupVersion]("group_version", "group",
		scenarios.Needs(groupsService),
		scenarios.Checks("template_version", "image"),
		scenarios.Doc("every live instance of a group runs a template version (or an image), and there are desired of them",
			"expect: {group: web, template_version: 2, within: 60s}"))
}

type expectGroupVersion struct {
	Group           string `yaml:"group,required" ref:"group"`
	TemplateVersion int    `yaml:"template_version" default:"none: give template_version or image"`
	// Image matches an instance's image reference or its digest.
	Image string `yaml:"image" default:"none: give template_version or image"`
}

func (e *expectGroupVersion) Validate() error {
	if e.TemplateVersion != 0 && e.Image != "" {
		return scenarios.FieldError("image", "check template_version or image, one at a time")
	}
	return nil
}

func (e *expectGroupVersion) on(i compute.Instance) bool {
	if e.Image != "" {
		return i.Image == e.Image || i.ImageDigest == e.Image
	}
	return i.TemplateVersion == e.TemplateVersion
}

func (e *expectGroupVersion) Execute(ctx context.Context, r *scenarios.Run) error {
	g, err := r.Client.Group(ctx, e.Group)
	if err != nil {
		return err
	}
	want := "version " + strconv.Itoa(e.TemplateVersion)
	if e.Image != "" {
		want = e.Image
	}
	live := 0
	for _, i := range g.Instances {
		if !i.Live() {
			continue
		}
		live++
		if !e.on(i) {
			return fmt.Errorf("group %s: %s is not on %s: %s", e.Group, i.ID, want, scenarios.DescribeInstances(g.Instances))
		}
	}
	if live != g.Desired {
		return fmt.Errorf("group %s has %d live instances, desired %d: %s", e.Group, live, g.Desired, scenarios.DescribeInstances(g.Instances))
	}
	r.Notef("group %s: all %d instances on %s", e.Group, live, want)
	return nil
}
