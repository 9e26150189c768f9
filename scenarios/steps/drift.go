package steps

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[driftStep]("drift",
		scenarios.Needs(groupsService),
		scenarios.Doc("break instances the ways people do ("+strings.Join(drift.Kinds, ", ")+"), as cattle drift inject does",
			"drift: {instance: {group: web}, kind: file, path: /etc/hotfix.conf, content: fixed, as: hotfixed}"))
	scenarios.RegisterAction[restoreStep]("restore",
		scenarios.Needs(groupsService),
		scenarios.Doc("end an injected zone outage (every one when no zone is given)", "restore: {zone: zone-a}"))
}

type driftStep struct {
	pick `yaml:",inline"`
	Kind string `yaml:"kind" default:"none: give kind or kinds"`
	// Kinds picks one of them at random for each instance (chaos).
	Kinds      []string            `yaml:"kinds" default:"none: give kind or kinds"`
	Group      string              `yaml:"group" default:"none: every group's instances (zone-outage)"` // zone-outage: only this group's instances
	Zone       string              `yaml:"zone" default:"none: required by kind zone-outage"`           // zone-outage: the zone
	Path       string              `yaml:"path" default:"none: required by kind file"`
	Content    string              `yaml:"content" default:"empty"`
	Delete     bool                `yaml:"delete" default:"false"`
	Command    []string            `yaml:"command" default:"none: required by kind exec"`
	Image      string              `yaml:"image" default:"image-swap: a patched copy of the instance's own"`
	Env        string              `yaml:"env" default:"env: CATTLE_HOTFIX=1"`
	Latency    *scenarios.Duration `yaml:"latency" default:"none"`
	ErrorRate  *scenarios.Fraction `yaml:"error_rate" default:"none"`
	FailHealth bool                `yaml:"fail_health" default:"false"`
	As         scenarios.Name      `yaml:"as" default:"none: not saved"`
}

func (d *driftStep) Validate() error {
	if (d.Kind == "") == (len(d.Kinds) == 0) {
		return scenarios.FieldError("kind", "give kind (one) or kinds (one at random per instance)")
	}
	for _, k := range append([]string{d.Kind}, d.Kinds...) {
		if k != "" && !slices.Contains(drift.Kinds, k) || slices.Contains(d.Kinds, "zone-outage") {
			return scenarios.FieldError("kind", "unknown drift kind %q: use one of %s", k, strings.Join(drift.Kinds, ", "))
		}
	}
	if d.Kind == "zone-outage" {
		if d.Zone == "" {
			return scenarios.FieldError("zone", "a zone outage needs zone: zone-a, zone-b or zone-c")
		}
		return nil
	}
	if err := d.pick.validate(); err != nil {
		return err
	}
	switch {
	case d.Kind == "file" && !strings.HasPrefix(d.Path, "/"):
		return scenarios.FieldError("path", "a file drift needs an absolute path (and content or delete)")
	case d.Kind == "exec" && len(d.Command) == 0:
		return scenarios.FieldError("command", "an exec drift needs the command: [sh, -c, ...]")
	case d.Kind == "app" && d.Latency == nil && d.ErrorRate == nil && !d.FailHealth:
		return fmt.Errorf("an app drift needs latency, error_rate or fail_health")
	}
	return nil
}

func (d *driftStep) spec() drift.InjectSpec {
	spec := drift.InjectSpec{Kind: d.Kind, Group: d.Group, Zone: d.Zone, Path: d.Path, Content: d.Content,
		Delete: d.Delete, Command: d.Command, Image: d.Image, Env: d.Env, FailHealth: d.FailHealth, By: "scenario step drift"}
	if d.Latency != nil {
		spec.Latency = d.Latency.String()
	}
	if d.ErrorRate != nil {
		rate := float64(*d.ErrorRate)
		spec.ErrorRate = &rate
	}
	return spec
}

func (d *driftStep) Execute(ctx context.Context, r *scenarios.Run) error {
	if d.Kind == "zone-outage" {
		out, err := r.Client.InjectDrift(ctx, d.spec())
		if err != nil {
			return err
		}
		r.Save(string(d.As), out.Instances)
		r.Notef("zone %s down: %d instance(s) stopped", d.Zone, len(out.Instances))
		return nil
	}
	insts, err := d.resolve(ctx, r)
	if err != nil {
		return err
	}
	r.Save(string(d.As), scenarios.IDs(insts))
	for _, i := range insts {
		spec := d.spec()
		spec.Group, spec.Zone, spec.Instance = "", "", i.ID
		if len(d.Kinds) > 0 {
			spec.Kind = d.Kinds[rand.IntN(len(d.Kinds))]
		}
		out, err := r.Client.InjectDrift(ctx, spec)
		if err != nil {
			return err
		}
		for _, ch := range out.Changes {
			r.Notef("%s: %s", spec.Kind, ch)
		}
	}
	return nil
}

type restoreStep struct {
	Zone string `yaml:"zone" default:"every zone"`
}

func (s *restoreStep) Execute(ctx context.Context, r *scenarios.Run) error {
	out, err := r.Client.RestoreDrift(ctx, s.Zone, "scenario step restore")
	if err != nil {
		return err
	}
	r.Notef("restored %s", strings.Join(out.Zones, ", "))
	return nil
}
