package registry

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// SetAddr records the 127.0.0.1:PORT address the registry is served at,
// which references the engine pulls name.
func (r *Registry) SetAddr(addr string) { r.addr.Store(&addr) }

// Addr is the address SetAddr recorded ("" before).
func (r *Registry) Addr() string {
	if a := r.addr.Load(); a != nil {
		return *a
	}
	return ""
}

// BlobGets is how many blob downloads the registry has served.
func (r *Registry) BlobGets() int64 { return r.blobGets.Load() }

// ManifestDigest returns the digest and size of the manifest that repo's
// reference (a tag or a digest) names, asking the library in-process; a
// missing one is errdefs.ErrNotFound.
func (r *Registry) ManifestDigest(ctx context.Context, repo, reference string) (string, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "/v2/"+repo+"/manifests/"+reference, nil)
	if err != nil {
		return "", 0, errdefs.Invalid("image %s:%s: %v", repo, reference, err)
	}
	req.Header.Set("Accept", manifestTypes)
	rec := newRecorder()
	r.app.ServeHTTP(rec, req)
	switch rec.status {
	case http.StatusOK:
		size, _ := strconv.ParseInt(rec.header.Get("Content-Length"), 10, 64)
		return rec.header.Get("Docker-Content-Digest"), size, nil
	case http.StatusNotFound, http.StatusBadRequest:
		return "", 0, errdefs.NotFound("the registry holds no %s (%s)", repo, reference)
	default:
		return "", 0, fmt.Errorf("looking up %s %s: the registry answered %d", repo, reference, rec.status)
	}
}

// DeleteManifest deletes a manifest by digest, through the same path as a
// client's DELETE (so the delete event is emitted). Tags naming it go too.
func (r *Registry) DeleteManifest(ctx context.Context, repo, digest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+digest, nil)
	if err != nil {
		return errdefs.Invalid("image %s@%s: %v", repo, digest, err)
	}
	rec := newRecorder()
	r.ServeHTTP(rec, req)
	switch rec.status {
	case http.StatusAccepted:
		return nil
	case http.StatusNotFound:
		return errdefs.NotFound("the registry holds no %s@%s", repo, digest)
	default:
		return fmt.Errorf("deleting %s@%s: the registry answered %d: %s", repo, digest, rec.status, rec.body.String())
	}
}
