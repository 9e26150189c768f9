package autoscaling

import (
	"context"
	"errors"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Refresh returns one of the group's instance refreshes.
func (s *Service) Refresh(ctx context.Context, group, id string) (Refresh, error) {
	var r Refresh
	err := s.db.View(func(tx *store.Tx) error {
		if _, _, err := getGroup(tx, group); err != nil {
			return err
		}
		rev, err := tx.Get(kindRefresh, id, &r)
		if errors.Is(err, errdefs.ErrNotFound) || (err == nil && r.Group != group) {
			return errdefs.NotFound("group %q has no refresh %q: list them with 'cattle groups refreshes %s'", group, id, group)
		}
		r.rev = rev
		return err
	})
	return r, err
}
