package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectInstances]("instance_count", "instances",
		scenarios.Doc("count instances (running unless state says otherwise), optionally per zone",
			"expect: {instances: 3, template: web, per_zone: 1, within: 30s}"))
}

type expectInstances struct {
	Instances scenarios.CountRange   `yaml:"instances,required"`
	State     string                 `yaml:"state" default:"running"`
	Template  *scenarios.TemplateRef `yaml:"template" ref:"template" default:"any"`
	Group     string                 `yaml:"group" ref:"group" default:"any"`
	Zone      string                 `yaml:"zone" default:"any"`
	// PerZone wants exactly that many in each zone; Zones that many zones used.
	PerZone *int `yaml:"per_zone" default:"not checked"`
	Zones   *int `yaml:"zones" default:"not checked"`
}

// instanceStates are the states an expectation may name; "live" is any
// but terminated.
var instanceStates = []string{compute.StatePending, compute.StateRunning, compute.StateStopping,
	compute.StateStopped, compute.StateShuttingDown, compute.StateTerminated, "live"}

func (e *expectInstances) Validate() error {
	if e.State == "" {
		e.State = compute.StateRunning
	}
	if !slices.Contains(instanceStates, e.State) {
		return scenarios.FieldError("state", "unknown state %q: use one of %v", e.State, instanceStates)
	}
	if e.Zone != "" && !slices.Contains(compute.Zones, e.Zone) {
		return scenarios.FieldError("zone", "unknown zone %q: use one of %v", e.Zone, compute.Zones)
	}
	// An instance records the number of the version it runs, not whether
	// that version is the latest or default one.
	if t := e.Template; t != nil && t.Version != "" {
		if _, err := strconv.Atoi(t.Version); err != nil {
			return scenarios.FieldError("template", "instances are counted by version number: write %s:2, not %s", t.Name, t)
		}
	}
	return nil
}

func stateMatches(want string, i compute.Instance) bool {
	if want == "live" {
		return i.Live()
	}
	return i.State == want
}

func (e *expectInstances) matches(i compute.Instance) bool {
	switch {
	case !stateMatches(e.State, i),
		e.Template != nil && i.Template != e.Template.Name,
		e.Template != nil && e.Template.Version != "" && fmt.Sprint(i.TemplateVersion) != e.Template.Version,
		e.Group != "" && i.Group != e.Group,
		e.Zone != "" && i.Zone != e.Zone:
		return false
	}
	return true
}

func (e *expectInstances) Execute(ctx context.Context, r *scenarios.Run) error {
	all, err := r.Client.Instances(ctx)
	if err != nil {
		return err
	}
	var got []compute.Instance
	perZone := map[string]int{}
	for _, i := range all {
		if e.matches(i) {
			got = append(got, i)
			perZone[i.Zone]++
		}
	}
	counts := make([]string, len(compute.Zones))
	for n, z := range compute.Zones {
		counts[n] = fmt.Sprintf("%s %d", z, perZone[z])
	}
	zones := strings.Join(counts, ", ")
	if !e.Instances.Contains(len(got)) {
		return fmt.Errorf("want %s %s, found %d: %s", e.Instances, e.State, len(got), scenarios.DescribeInstances(got))
	}
	if e.PerZone != nil {
		for _, z := range compute.Zones {
			if perZone[z] != *e.PerZone {
				return fmt.Errorf("want %d %s in each zone, found %s", *e.PerZone, e.State, zones)
			}
		}
	}
	if e.Zones != nil && len(perZone) != *e.Zones {
		return fmt.Errorf("want %s instances in %d zones, found them in %d: %s", e.State, *e.Zones, len(perZone), zones)
	}
	r.Notef("%d %s: %s", len(got), e.State, zones)
	return nil
}
