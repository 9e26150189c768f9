package images

import (
	"context"
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/store"
)

const kindBake = "bakes"

// BakeOutcome is what a bake made, or why it made nothing.
type BakeOutcome struct {
	Repository string
	Tags       []string
	Digest     string
	Size       int64
	State      string
	Log        string
	Labels     map[string]string
	Started    time.Time
	Finished   time.Time
}

// RecordBake keeps the outcome of a bake: an available image, or a failed
// one with its log.
func (c *Catalog) RecordBake(ctx context.Context, r BakeOutcome) error {
	key := fmt.Sprintf("%s@%d", r.Repository, r.Started.UnixNano())
	return c.db.Update(func(tx *store.Tx) error {
		_, err := tx.Put(kindBake, key, r)
		return err
	})
}
