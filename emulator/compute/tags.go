package compute

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// UpdateInstanceTags changes the tags of instances with mutate, all in one
// transaction: an unknown id, or an error from mutate, changes none.
func (s *Service) UpdateInstanceTags(ctx context.Context, ids []string, mutate func(tags map[string]string) error) error {
	return s.db.Update(func(tx *store.Tx) error {
		for _, id := range ids {
			inst, err := store.Get[Instance](tx, kindInstance, id)
			if errors.Is(err, errdefs.ErrNotFound) {
				return errdefs.NotFound("instance %s does not exist: list instances with 'cattle instances ls'", id)
			}
			if err != nil {
				return err
			}
			tags := maps.Clone(inst.Tags)
			if tags == nil {
				tags = map[string]string{}
			}
			if err := mutate(tags); err != nil {
				return err
			}
			if maps.Equal(tags, inst.Tags) {
				continue
			}
			inst.Tags = tags
			if len(tags) == 0 {
				inst.Tags = nil
			}
			if _, err := tx.Put(kindInstance, id, inst); err != nil {
				return err
			}
			keys := strings.Join(slices.Sorted(maps.Keys(tags)), ",")
			if _, err := tx.Append(store.Event{Kind: "instance.tags", Resource: "instance/" + id,
				Message: fmt.Sprintf("%s tags now: %s", id, orDefault(keys, "none"))}); err != nil {
				return err
			}
		}
		return nil
	})
}
