package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/store"
)

func init() {
	scenarios.RegisterExpectation[expectDriftDetected]("drift_detected", "drift",
		scenarios.Needs(groupsService),
		scenarios.Checks("kind"),
		scenarios.Doc("drift was detected on instances, of a kind, at a path or field",
			"expect: {drift: $victim, kind: filesystem, path: /etc/hotfix.conf, within: 10s}"))
	scenarios.RegisterExpectation[expectDriftReplaced]("drift_replaced", "drift",
		scenarios.Needs(groupsService),
		scenarios.Checks("replaced"),
		scenarios.Doc("drifted instances were replaced: terminated through draining, each by a fresh one",
			"expect: {drift: $victim, replaced: true, within: 60s}"))
	scenarios.RegisterExpectation[expectDriftInSync]("drift_in_sync", "drift",
		scenarios.Needs(groupsService),
		scenarios.Checks("in_sync"),
		scenarios.Doc("a scan of a group (or of the whole sandbox: all) finds no drift",
			"expect: {drift: web, in_sync: true, within: 20s}"))
}

// driftEvents are the events of kind about the instances, since the run began.
func driftEvents(ctx context.Context, r *scenarios.Run, ref scenarios.InstanceRef, kind string) ([]string, []store.Event, error) {
	insts, err := r.Instances(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	ids := scenarios.IDs(insts)
	events, err := r.Client.Events(ctx, 0, 0)
	if err != nil {
		return nil, nil, err
	}
	var out []store.Event
	for _, ev := range events {
		if ev.Kind == kind && !ev.Time.Before(r.Started) && slices.Contains(ids, ev.Fields["instance"]) {
			out = append(out, ev)
		}
	}
	return ids, out, nil
}

type expectDriftDetected struct {
	Drift scenarios.InstanceRef `yaml:"drift,required"`
	Kind  string                `yaml:"kind,required"`
	Path  string                `yaml:"path" default:"any"`
	Field string                `yaml:"field" default:"any"`
}

func (e *expectDriftDetected) Validate() error {
	kinds := []string{drift.KindMissing, drift.KindState, drift.KindImage, drift.KindConfig, drift.KindFilesystem, drift.KindUnmanaged}
	if !slices.Contains(kinds, e.Kind) {
		return scenarios.FieldError("kind", "unknown drift kind %q: use one of %s", e.Kind, strings.Join(kinds, ", "))
	}
	if e.Path != "" && e.Field != "" {
		return scenarios.FieldError("field", "give path (filesystem) or field (the others), not both")
	}
	return nil
}

func (e *expectDriftDetected) Execute(ctx context.Context, r *scenarios.Run) error {
	ids, evs, err := driftEvents(ctx, r, e.Drift, drift.EventDetected)
	if err != nil {
		return err
	}
	var seen []string
	for _, ev := range evs {
		seen = append(seen, ev.Message)
		if ev.Fields["kind"] != e.Kind {
			continue
		}
		if e.Path != "" && ev.Fields["path"] != e.Path && !strings.Contains(ev.Message, e.Path) ||
			e.Field != "" && ev.Fields["field"] != e.Field && !strings.Contains(ev.Message, e.Field) {
			continue
		}
		r.Notef("+%s %s", ev.Time.Sub(r.Started).Round(100*time.Millisecond), ev.Message)
		return nil
	}
	return fmt.Errorf("no %s drift detected on %s yet; detected: %s", e.Kind, strings.Join(ids, ", "), orNothing(seen))
}

type expectDriftReplaced struct {
	Drift    scenarios.InstanceRef `yaml:"drift,required"`
	Replaced bool                  `yaml:"replaced,required"`
}

func (e *expectDriftReplaced) Execute(ctx context.Context, r *scenarios.Run) error {
	ids, evs, err := driftEvents(ctx, r, e.Drift, drift.EventReplaced)
	if err != nil {
		return err
	}
	by := map[string]string{}
	for _, ev := range evs {
		by[ev.Fields["instance"]] = ev.Fields["replacement"]
	}
	for _, id := range ids {
		if e.Replaced && by[id] == "" {
			return fmt.Errorf("%s has not been replaced for drift yet", id)
		}
		if !e.Replaced && by[id] != "" {
			return fmt.Errorf("%s was replaced by %s, want it left alone", id, by[id])
		}
	}
	for _, id := range ids {
		if by[id] != "" {
			r.Notef("%s replaced by %s", id, by[id])
		}
	}
	return nil
}

type expectDriftInSync struct {
	// Drift is the group scanned, or all for the whole sandbox.
	Drift  string `yaml:"drift,required"`
	InSync bool   `yaml:"in_sync,required"`
}

func (e *expectDriftInSync) Execute(ctx context.Context, r *scenarios.Run) error {
	group := e.Drift
	if group == "all" {
		group = ""
	}
	rep, err := r.Client.ScanDrift(ctx, group)
	if err != nil {
		return err
	}
	if rep.Drifted() == e.InSync {
		return fmt.Errorf("scan of %s: %d in sync, %d drifted, %d missing, %d unmanaged of %d", e.Drift,
			rep.Summary.InSync, rep.Summary.Drifted, rep.Summary.Missing, rep.Summary.Unmanaged, rep.Summary.Total)
	}
	r.Notef("scan of %s: %d instance(s), %d in sync", e.Drift, rep.Summary.Total, rep.Summary.InSync)
	return nil
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, "; ")
}
