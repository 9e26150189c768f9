package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/store"
)

func init() {
	scenarios.RegisterExpectation[expectEvent]("event_seen", "event",
		scenarios.Doc("an event of a kind was recorded during the run, about a resource or instance, with a message or fields",
			"expect: {event: instance.state, about: $victim, fields: {state: terminated}, within: 10s}"))
}

type expectEvent struct {
	// Event is the kind, e.g. instance.state; "*" is any kind.
	Event    string                 `yaml:"event,required"`
	Resource string                 `yaml:"resource" default:"any"`
	About    *scenarios.InstanceRef `yaml:"about" default:"any instance"`
	Message  string                 `yaml:"message" default:"any"`
	Fields   map[string]string      `yaml:"fields" default:"none"`
	// Count is how many must match, at least (default 1).
	Count int `yaml:"count" default:"1"`
	// Since counts only events after that step ended.
	Since *scenarios.StepRef `yaml:"since" default:"none: the whole run"`
}

func (e *expectEvent) Validate() error {
	if e.Count == 0 {
		e.Count = 1
	}
	if e.Count < 0 {
		return scenarios.FieldError("count", "count cannot be negative")
	}
	if e.About != nil && e.Resource != "" {
		return scenarios.FieldError("about", "give about (instances) or resource, not both")
	}
	return nil
}

func (e *expectEvent) Execute(ctx context.Context, r *scenarios.Run) error {
	from := r.Started
	if e.Since != nil {
		f, _, err := r.Window(scenarios.Window{Since: e.Since})
		if err != nil {
			return err
		}
		from = f
	}
	var resources []string
	if e.Resource != "" {
		resources = []string{e.Resource}
	}
	if e.About != nil {
		insts, err := r.Instances(ctx, *e.About)
		if err != nil {
			return err
		}
		for _, i := range insts {
			resources = append(resources, "instance/"+i.ID)
		}
	}
	events, err := r.Client.Events(ctx, 0, 0)
	if err != nil {
		return err
	}
	var matched, sameKind []store.Event
	for _, ev := range events {
		if ev.Time.Before(from) || (e.Event != "*" && ev.Kind != e.Event) {
			continue
		}
		sameKind = append(sameKind, ev)
		if e.matches(ev, resources) {
			matched = append(matched, ev)
		}
	}
	if len(matched) < e.Count {
		return fmt.Errorf("want %d %s event(s)%s, saw %d; the latest of that kind: %s",
			e.Count, e.Event, e.criteria(resources), len(matched), lastEvents(sameKind, 3, r.Started))
	}
	for _, ev := range matched[:e.Count] {
		r.Notef("+%s %s %s", ev.Time.Sub(r.Started).Round(100*time.Millisecond), ev.Kind, ev.Message)
	}
	return nil
}

func (e *expectEvent) matches(ev store.Event, resources []string) bool {
	if len(resources) > 0 && !slices.Contains(resources, ev.Resource) {
		return false
	}
	if e.Message != "" && !strings.Contains(ev.Message, e.Message) {
		return false
	}
	for k, v := range e.Fields {
		if ev.Fields[k] != v {
			return false
		}
	}
	return true
}

func (e *expectEvent) criteria(resources []string) string {
	var parts []string
	if len(resources) > 0 {
		parts = append(parts, "about "+strings.Join(resources, " or "))
	}
	if e.Message != "" {
		parts = append(parts, fmt.Sprintf("saying %q", e.Message))
	}
	if len(e.Fields) > 0 {
		parts = append(parts, "with "+envText(e.Fields))
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, ", ")
}

func lastEvents(evs []store.Event, n int, start time.Time) string {
	if len(evs) == 0 {
		return "none"
	}
	if len(evs) > n {
		evs = evs[len(evs)-n:]
	}
	parts := make([]string, len(evs))
	for i, ev := range evs {
		parts[i] = fmt.Sprintf("+%s %s", ev.Time.Sub(start).Round(100*time.Millisecond), ev.Message)
	}
	return strings.Join(parts, "; ")
}
