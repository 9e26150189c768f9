package autoscaling

import (
	"slices"
	"sort"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// zonePlan spreads n new instances over the group's zones, each to the
// zone with the fewest members so far (the first such zone in the group's
// order on a tie), so that the group stays balanced.
func zonePlan(zones []string, members []member, n int) map[string]int {
	count := map[string]int{}
	for _, m := range members {
		count[m.Zone]++
	}
	plan := map[string]int{}
	for range n {
		best := ""
		for _, z := range zones {
			if best == "" || count[z] < count[best] {
				best = z
			}
		}
		count[best]++
		plan[best]++
	}
	return plan
}

// scaleInOrder picks n of candidates to terminate in AWS's default order:
// from the zone with the most instances (zones the group no longer uses
// first); within it, instances not on the group's configuration first,
// the oldest template version first; then the oldest launch.
func scaleInOrder(zones []string, cfg Configuration, candidates []member, n int) []member {
	left := slices.Clone(candidates)
	var out []member
	for len(out) < n && len(left) > 0 {
		count := map[string]int{}
		for _, m := range left {
			count[m.Zone]++
		}
		zone := ""
		for _, m := range left {
			if zone == "" || drainsFirst(zones, count, m.Zone, zone) {
				zone = m.Zone
			}
		}
		var inZone []member
		for _, m := range left {
			if m.Zone == zone {
				inZone = append(inZone, m)
			}
		}
		sort.SliceStable(inZone, func(i, j int) bool { return olderFirst(cfg, inZone[i].Instance, inZone[j].Instance) })
		pick := inZone[0]
		out = append(out, pick)
		left = slices.DeleteFunc(left, func(m member) bool { return m.ID == pick.ID })
	}
	return out
}

// drainsFirst reports whether scale in takes from zone z before zone than:
// a zone the group no longer uses first, then the fuller zone, then the
// first in the group's order.
func drainsFirst(zones []string, count map[string]int, z, than string) bool {
	zin, tin := slices.Contains(zones, z), slices.Contains(zones, than)
	switch {
	case zin != tin:
		return !zin
	case count[z] != count[than]:
		return count[z] > count[than]
	case zoneIndex(zones, z) != zoneIndex(zones, than):
		return zoneIndex(zones, z) < zoneIndex(zones, than)
	}
	return z < than
}

func zoneIndex(zones []string, z string) int {
	if i := slices.Index(zones, z); i >= 0 {
		return i
	}
	return len(zones)
}

// olderFirst orders instances for termination: off the group's
// configuration before on it, a lower template version before a higher
// one, an earlier launch before a later one.
func olderFirst(cfg Configuration, a, b compute.Instance) bool {
	ao, bo := onConfig(a, cfg), onConfig(b, cfg)
	if ao != bo {
		return !ao
	}
	if a.TemplateVersion != b.TemplateVersion {
		return a.TemplateVersion < b.TemplateVersion
	}
	if !a.LaunchedAt.Equal(b.LaunchedAt) {
		return a.LaunchedAt.Before(b.LaunchedAt)
	}
	return a.ID < b.ID
}
