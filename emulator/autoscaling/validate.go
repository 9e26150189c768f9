package autoscaling

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// MaxGroupSize bounds a group's max capacity: a laptop's worth (make bench
// runs a group of 200 t3.nano on 2 cores).
const MaxGroupSize = 250

var groupName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`)

func validateName(name string) error {
	if !groupName.MatchString(name) {
		return errdefs.Invalid("group name %q is not valid: use letters, digits, '.', '_' and '-' (at most 128)", name)
	}
	return nil
}

// validateCapacity applies AWS's rule min <= desired <= max.
func validateCapacity(min, desired, max int) error {
	switch {
	case min < 0:
		return errdefs.Invalid("min %d is negative: use 0 or more", min)
	case max > MaxGroupSize:
		return errdefs.Invalid("max %d is above the limit of %d instances a group can have", max, MaxGroupSize)
	case min > max:
		return errdefs.Invalid("min %d is greater than max %d: min <= desired <= max", min, max)
	case desired < min || desired > max:
		return errdefs.Invalid("desired capacity %d is outside min %d and max %d: min <= desired <= max", desired, min, max)
	}
	return nil
}

// normalizeZones checks zones and fills in every zone when none is given.
func normalizeZones(zones []string) ([]string, error) {
	if len(zones) == 0 {
		return slices.Clone(compute.Zones), nil
	}
	var out []string
	for _, z := range zones {
		z = strings.TrimSpace(z)
		if !slices.Contains(compute.Zones, z) {
			return nil, errdefs.Invalid("unknown zone %q: use %s", z, strings.Join(compute.Zones, ", "))
		}
		if slices.Contains(out, z) {
			return nil, errdefs.Invalid("zone %q is given twice", z)
		}
		out = append(out, z)
	}
	return out, nil
}

func normalizeHealthCheckType(t, lb string) (string, error) {
	switch strings.ToUpper(t) {
	case "", HealthCheckEC2:
		return HealthCheckEC2, nil
	case HealthCheckELB:
		if lb == "" {
			return "", errdefs.Invalid("health check type ELB needs a load balancer: pass --lb NAME, or use EC2")
		}
		return HealthCheckELB, nil
	}
	return "", errdefs.Invalid("health check type %q is not valid: use EC2 or ELB", t)
}

func validateMaxHealthy(p int) error {
	if p < 100 || p > 200 {
		return errdefs.Invalid("max healthy percentage %d is out of range: use 100-200", p)
	}
	return nil
}

// preferences fills in a refresh's defaults and checks them as AWS does.
func (s *Service) preferences(g Group, spec RefreshSpec) (Preferences, error) {
	p := Preferences{
		MinHealthyPercentage: 90,
		MaxHealthyPercentage: g.MaxHealthyPercentage,
		InstanceWarmup:       g.HealthCheckGracePeriod,
		CheckpointDelay:      Duration(s.profile.CheckpointDelay),
		SkipMatching:         spec.SkipMatching,
		AutoRollback:         spec.AutoRollback,
	}
	if spec.MinHealthyPercentage != nil {
		p.MinHealthyPercentage = *spec.MinHealthyPercentage
	}
	if spec.MaxHealthyPercentage != nil {
		p.MaxHealthyPercentage = *spec.MaxHealthyPercentage
	}
	if g.DefaultInstanceWarmup != nil {
		p.InstanceWarmup = *g.DefaultInstanceWarmup
	}
	if spec.InstanceWarmup != nil {
		p.InstanceWarmup = *spec.InstanceWarmup
	}
	if spec.CheckpointDelay != nil {
		p.CheckpointDelay = *spec.CheckpointDelay
	}
	if spec.BakeTime != nil {
		p.BakeTime = *spec.BakeTime
	}
	p.CheckpointPercentages = slices.Clone(spec.CheckpointPercentages)
	if p.MinHealthyPercentage < 0 || p.MinHealthyPercentage > 100 {
		return p, errdefs.Invalid("min healthy percentage %d is out of range: use 0-100", p.MinHealthyPercentage)
	}
	if err := validateMaxHealthy(p.MaxHealthyPercentage); err != nil {
		return p, err
	}
	switch {
	case p.MaxHealthyPercentage-p.MinHealthyPercentage > 100:
		return p, errdefs.Invalid("max healthy %d%% and min healthy %d%% are more than 100 apart: narrow the range", p.MaxHealthyPercentage, p.MinHealthyPercentage)
	case p.InstanceWarmup < 0:
		return p, errdefs.Invalid("instance warmup %s is negative", p.InstanceWarmup)
	case p.CheckpointDelay < 0:
		return p, errdefs.Invalid("checkpoint delay %s is negative", p.CheckpointDelay)
	case p.BakeTime < 0:
		return p, errdefs.Invalid("bake time %s is negative", p.BakeTime)
	case spec.CheckpointDelay != nil && len(p.CheckpointPercentages) == 0:
		return p, errdefs.Invalid("a checkpoint delay needs checkpoints: pass --checkpoints, e.g. 50,100")
	}
	for i, c := range p.CheckpointPercentages {
		if c < 1 || c > 100 {
			return p, errdefs.Invalid("checkpoint %d%% is out of range: use 1-100", c)
		}
		if i > 0 && c <= p.CheckpointPercentages[i-1] {
			return p, errdefs.Invalid("checkpoints %v must be unique and ascending, e.g. 50,100", p.CheckpointPercentages)
		}
	}
	return p, nil
}

// rollbackUnsupported says why a refresh cannot be rolled back, as AWS
// refuses it, or "" when it can.
func rollbackUnsupported(desired *Configuration, previous Configuration) string {
	switch {
	case desired == nil:
		return "the refresh has no desired configuration (start it with --template-version)"
	case isRole(desired.Version):
		return "its desired configuration uses " + desired.Version + ", which names no fixed version to roll back from"
	case isRole(previous.Version):
		return "the group uses " + previous.Version + ", which names no fixed version to roll back to"
	}
	return ""
}

func isRole(version string) bool {
	return version == compute.VersionLatest || version == compute.VersionDefault
}
