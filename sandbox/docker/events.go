package docker

import (
	"context"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// Events streams the events of containers carrying all the labels until
// ctx ends; the channel is closed then, or when the stream fails. Events
// from the moment of the call on are delivered even if the engine is slow
// to subscribe, because the stream starts at that moment, not at connection.
func (r *Runtime) Events(ctx context.Context, labels map[string]string) (<-chan sandbox.Event, error) {
	since := time.Now()
	// Fail now, not as a silently closed channel, when no engine answers.
	if err := r.ping(ctx); err != nil {
		return nil, err
	}
	f := labelFilters(labels)
	f.Add("type", string(events.ContainerEventType))
	stream := r.cli.Events(ctx, client.EventsListOptions{
		Since:   since.UTC().Format(time.RFC3339Nano),
		Filters: f,
	})
	out := make(chan sandbox.Event)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-stream.Err:
				return
			case msg := <-stream.Messages:
				ev := eventFromMessage(msg)
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

func eventFromMessage(msg events.Message) sandbox.Event {
	t := time.Unix(0, msg.TimeNano)
	if msg.TimeNano == 0 {
		t = time.Unix(msg.Time, 0)
	}
	return sandbox.Event{
		ContainerID: msg.Actor.ID,
		Action:      string(msg.Action),
		Labels:      labelsFromEventAttributes(msg.Actor.Attributes),
		Time:        t,
	}
}
