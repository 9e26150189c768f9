package store

import (
	"encoding/json"
	"fmt"
)

// Get decodes record kind/id as a T. A missing record wraps errdefs.ErrNotFound.
func Get[T any](tx *Tx, kind, id string) (T, error) {
	var v T
	_, err := tx.Get(kind, id, &v)
	return v, err
}

// List decodes every record of kind as a T, in id order.
func List[T any](tx *Tx, kind string) ([]T, error) {
	var out []T
	err := tx.List(kind, func(id string, _ uint64, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("store: decode %s %s into %T: %w", kind, id, v, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
