package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectInstance]("instance_state", "instance",
		scenarios.Doc("an instance (or each of a saved set) is in a state, optionally for a reason",
			"expect: {instance: $victim, state: terminated, reason: removed outside cattle, within: 20s}"))
}

type expectInstance struct {
	Instance scenarios.InstanceRef `yaml:"instance,required"`
	State    string                `yaml:"state,required"`
	// Reason must appear in the instance's state reason.
	Reason string `yaml:"reason" default:"not checked"`
}

func (e *expectInstance) Validate() error {
	if !slices.Contains(instanceStates, e.State) {
		return scenarios.FieldError("state", "unknown state %q: use one of %v", e.State, instanceStates)
	}
	return nil
}

func (e *expectInstance) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := r.Instances(ctx, e.Instance)
	if err != nil {
		return err
	}
	for _, i := range insts {
		if !stateMatches(e.State, i) {
			return fmt.Errorf("%s is %s, not %s", i.ID, i.State, e.State)
		}
		if e.Reason != "" && !strings.Contains(i.StateReason, e.Reason) {
			return fmt.Errorf("%s is %s for another reason: %q", i.ID, i.State, i.StateReason)
		}
		r.Notef("%s is %s%s", i.ID, i.State, reason(i.StateReason))
	}
	return nil
}
