package autoscaling

import (
	"context"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// What drift detection does with a group's drifted instance.
const (
	// DriftReplace terminates it through draining; the group launches a
	// fresh one from its template.
	DriftReplace = "replace"
	// DriftReport only reports it.
	DriftReport = "report"
)

func normalizeDrift(mode string) (string, error) {
	switch mode {
	case "", DriftReplace:
		return DriftReplace, nil
	case DriftReport:
		return DriftReport, nil
	}
	return "", errdefs.Invalid("drift remediation %q is not known: use replace or report", mode)
}

// DriftMode is what drift detection does with the group's drifted
// instances; a group made before the setting existed replaces them.
func (g Group) DriftMode() string {
	if g.Drift == "" {
		return DriftReplace
	}
	return g.Drift
}

// SetDrift changes what drift detection does with the group's drifted
// instances, and records the change as an event.
func (s *Service) SetDrift(ctx context.Context, name, mode string) (GroupDetail, error) {
	mode, err := normalizeDrift(mode)
	if err != nil {
		return GroupDetail{}, err
	}
	err = s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, name)
		if err != nil {
			return err
		}
		if g.DriftMode() == mode {
			return nil
		}
		g.Drift = mode
		if _, err := tx.PutIf(kindGroup, name, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent("group.updated", name, "group "+name+" drift remediation set to "+mode,
			map[string]string{"drift": mode}))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	return s.Group(ctx, name)
}
