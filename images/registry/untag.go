package registry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Untag takes a tag off repository name, leaving the manifest it named
// (and that manifest's other tags) in place. It goes through the same path
// as a client's DELETE of the tag, so the delete event takes the tag off
// the catalog's record.
func (rs *Repositories) Untag(ctx context.Context, name, tag string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "/v2/"+name+"/manifests/"+tag, nil)
	if err != nil {
		return errdefs.Invalid("image %s:%s: %v", name, tag, err)
	}
	rec := newRecorder()
	rs.reg.ServeHTTP(rec, req)
	switch rec.status {
	case http.StatusAccepted:
		return nil
	case http.StatusNotFound:
		return errdefs.NotFound("the registry holds no %s:%s", name, tag)
	default:
		return fmt.Errorf("untagging %s:%s: the registry answered %d: %s", name, tag, rec.status, rec.body.String())
	}
}
