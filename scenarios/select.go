package scenarios

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// Instances returns the instances ref picks. An id or a saved name gives
// those instances in whatever state they are; the other forms give the
// running instances that match, oldest first. A pick of none is an error:
// a step acting on or checking no instance would pass for nothing.
func (r *Run) Instances(ctx context.Context, ref InstanceRef) ([]compute.Instance, error) {
	all, err := r.Client.Instances(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]compute.Instance, len(all))
	for _, i := range all {
		byID[i.ID] = i
	}
	var out []compute.Instance
	switch {
	case ref.ID != "":
		i, ok := byID[ref.ID]
		if !ok {
			return nil, fmt.Errorf("no instance %s", ref.ID)
		}
		out = append(out, i)
	case ref.Saved != "":
		ids, ok := r.Saved(ref.Saved)
		if !ok {
			return nil, fmt.Errorf("$%s was never saved (did its step run?)", ref.Saved)
		}
		if ref.Index >= 0 {
			if ref.Index >= len(ids) {
				return nil, fmt.Errorf("$%s holds %d instances: there is no $%s.%d (they count from 0)", ref.Saved, len(ids), ref.Saved, ref.Index)
			}
			ids = ids[ref.Index : ref.Index+1]
		}
		for _, id := range ids {
			i, ok := byID[id]
			if !ok {
				// Gone from the listings: it was terminated long ago.
				i = compute.Instance{ID: id, State: compute.StateTerminated}
			}
			out = append(out, i)
		}
	default:
		others := 0 // matches that do not run: the evidence for an empty pick
		for _, i := range all {
			switch {
			case !ref.matches(i):
			case i.State == compute.StateRunning:
				out = append(out, i)
			default:
				others++
			}
		}
		sort.Slice(out, func(a, b int) bool { return out[a].LaunchedAt.Before(out[b].LaunchedAt) })
		if len(out) == 0 {
			return nil, fmt.Errorf("%s picks no running instance (%d in other states)", ref, others)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s picks no instance", ref)
	}
	return out, nil
}

// RunningInstances returns the running instances among those ref picks.
func (r *Run) RunningInstances(ctx context.Context, ref InstanceRef) ([]compute.Instance, error) {
	insts, err := r.Instances(ctx, ref)
	if err != nil {
		return nil, err
	}
	var running []compute.Instance
	for _, i := range insts {
		if i.State == compute.StateRunning {
			running = append(running, i)
		}
	}
	if len(running) == 0 {
		return nil, fmt.Errorf("%s picks no running instance (%s)", ref, DescribeInstances(insts))
	}
	return running, nil
}

func (ref InstanceRef) matches(i compute.Instance) bool {
	switch ref.By {
	case "template":
		return i.Template == ref.Value
	case "group":
		return i.Group == ref.Value
	case "zone":
		return i.Zone == ref.Value
	}
	return true
}

// OneInstance picks one running instance: among several, one at random,
// as a failure would.
func (r *Run) OneInstance(ctx context.Context, ref InstanceRef) (compute.Instance, error) {
	running, err := r.RunningInstances(ctx, ref)
	if err != nil {
		return compute.Instance{}, err
	}
	return running[rand.IntN(len(running))], nil
}

// DescribeInstances renders instances for evidence: "i-0abc running zone-a, ...".
func DescribeInstances(insts []compute.Instance) string {
	if len(insts) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(insts))
	for _, i := range insts {
		s := fmt.Sprintf("%s %s %s v%d", i.ID, i.State, i.Zone, i.TemplateVersion)
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// IDs returns the instances' ids.
func IDs(insts []compute.Instance) []string {
	out := make([]string, len(insts))
	for i, inst := range insts {
		out[i] = inst.ID
	}
	return out
}
