package compute

import (
	"slices"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Hold keeps the reconcile away from an instance while its container is
// made again out of band (an injected fault swapping it), so that the gap
// between the two containers is not taken for a removed one. Call the
// returned function when done.
func (s *Service) Hold(id string) (release func()) {
	s.markBusy(id)
	return func() { s.unmarkBusy(id) }
}

// Busy reports whether a launch, a termination or a Hold is working on
// the instance: its container is between two states.
func (s *Service) Busy(id string) bool { return s.isBusy(id) }

// SetZoneDown takes a zone out of service (an injected outage) or back:
// while it is down, launches there are refused and launches anywhere go to
// the other zones.
func (s *Service) SetZoneDown(zone string, down bool) error {
	if !validZone(zone) {
		return errdefs.Invalid("unknown zone %q: use one of zone-a, zone-b, zone-c", zone)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zonesDown == nil {
		s.zonesDown = map[string]bool{}
	}
	if down {
		s.zonesDown[zone] = true
	} else {
		delete(s.zonesDown, zone)
	}
	return nil
}

// ZonesUp is zones less those down; all of them when every one is down
// (a launch then fails as it should).
func (s *Service) ZonesUp(zones []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	up := slices.DeleteFunc(slices.Clone(zones), func(z string) bool { return s.zonesDown[z] })
	if len(up) == 0 {
		return zones
	}
	return up
}

func (s *Service) zoneDownError(zone string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zonesDown[zone] {
		return errdefs.Unavailable("zone %s is down (an injected outage): launch in another zone, or end it with 'cattle drift restore'", zone)
	}
	return nil
}
