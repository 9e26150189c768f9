package drift

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// zoneOutage takes a zone down: its running instances (of the group, when
// given) are stopped and launches there are refused until Restore.
func (s *Service) zoneOutage(ctx context.Context, spec InjectSpec) (Injected, error) {
	if err := s.cfg.Compute.SetZoneDown(spec.Zone, true); err != nil {
		return Injected{}, err
	}
	out := Injected{Kind: spec.Kind, Zone: spec.Zone, Instances: []string{}, Changes: []string{}}
	insts, err := s.targets(ctx, spec)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return out, err
	}
	for _, inst := range insts {
		if inst.ContainerID == "" {
			continue
		}
		if err := s.cfg.Runtime.Stop(ctx, inst.ContainerID, s.cfg.Profile.StopTimeout); err != nil {
			continue
		}
		out.Instances = append(out.Instances, inst.ID)
		out.Changes = append(out.Changes, inst.ID+": stopped with its zone")
	}
	s.mu.Lock()
	s.zonesDown[spec.Zone] = append(s.zonesDown[spec.Zone], out.Instances...)
	s.mu.Unlock()
	by := spec.By
	if by == "" {
		by = "the API"
	}
	s.appendEvent(store.Event{Kind: EventInjected, Resource: "zone/" + spec.Zone,
		Message: fmt.Sprintf("zone outage injected in %s by %q: %d instance(s) stopped, launches there refused until 'cattle drift restore'", spec.Zone, by, len(out.Instances)),
		Fields:  map[string]string{"kind": spec.Kind, "zone": spec.Zone, "by": by}})
	return out, nil
}

// Restored is what a restore brought back.
type Restored struct {
	Zones []string `json:"zones"`
}

// Restore ends the injected zone outages (zone "" ends every one):
// launches there are allowed again.
func (s *Service) Restore(ctx context.Context, zone, by string) (Restored, error) {
	s.mu.Lock()
	var zones []string
	for z := range s.zonesDown {
		if zone == "" || z == zone {
			zones = append(zones, z)
		}
	}
	for _, z := range zones {
		delete(s.zonesDown, z)
	}
	s.mu.Unlock()
	if len(zones) == 0 {
		what := "no zone outage"
		if zone != "" {
			what = "no outage in zone " + zone
		}
		return Restored{}, errdefs.Invalid("nothing to restore: %s was injected", what)
	}
	sort.Strings(zones)
	if by == "" {
		by = "the API"
	}
	for _, z := range zones {
		_ = s.cfg.Compute.SetZoneDown(z, false)
		s.appendEvent(store.Event{Kind: EventRestored, Resource: "zone/" + z,
			Message: fmt.Sprintf("zone %s restored by %q: launches there allowed again", z, by),
			Fields:  map[string]string{"zone": z, "by": by}})
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.rebalance(s.life)
	}()
	return Restored{Zones: zones}, nil
}
