package emulator

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/store"
)

// registryEvent records a manifest pushed into or deleted from the
// sandbox's registry as an event, after the catalog followed it.
func (d *Daemon) registryEvent(e registry.Event) {
	d.images.RegistryEvent(e)
	ref := e.Repository + "@" + e.Digest
	if e.Tag != "" {
		ref = e.Repository + ":" + e.Tag
	}
	ev := store.Event{Time: e.Time, Resource: "repository/" + e.Repository,
		Fields: map[string]string{"repository": e.Repository, "tag": e.Tag, "digest": e.Digest}}
	switch e.Action {
	case registry.ActionPush:
		ev.Kind = "image.pushed"
		ev.Message = fmt.Sprintf("%s pushed (%s, %d bytes)", ref, e.Digest, e.Size)
		ev.Fields["size"] = fmt.Sprint(e.Size)
		ev.Fields["media_type"] = e.MediaType
	default:
		ev.Kind = "image.deleted"
		ev.Message = fmt.Sprintf("%s deleted from the registry", ref)
	}
	err := d.db.Update(func(tx *store.Tx) error {
		_, err := tx.Append(ev)
		return err
	})
	if err != nil {
		slog.Warn("recording a registry event", "kind", ev.Kind, "ref", ref, "err", err)
	}
}

// pruneInterval is how often the daemon applies the lifecycle policies.
const pruneInterval = time.Hour

// pruneLoop applies the repositories' lifecycle policies periodically, as
// ECR does about once a day; 'cattle images prune' applies them at once.
func (d *Daemon) pruneLoop(ctx context.Context) {
	t := time.NewTicker(pruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := d.images.Prune(ctx, false); err != nil && ctx.Err() == nil {
				slog.Warn("applying the lifecycle policies", "err", err)
			}
		}
	}
}
