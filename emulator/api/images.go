package api

import (
	"encoding/json"
	"net/http"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ImageRequest names one image: REPOSITORY:TAG or REPOSITORY@DIGEST.
type ImageRequest struct {
	Ref string `json:"ref"`
	// Undo, for a deprecation, makes the image current again.
	Undo bool `json:"undo,omitempty"`
}

// LifecycleRequest sets a repository's lifecycle policy: ECR's JSON.
type LifecycleRequest struct {
	Policy json.RawMessage `json:"policy"`
}

// PruneRequest applies the repositories' lifecycle policies.
type PruneRequest struct {
	DryRun bool `json:"dry_run,omitempty"`
}

// imageRoutes serves the image catalog. References hold slashes, colons
// and @, so they travel in the query or the body.
func (s *server) imageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/images", func(w http.ResponseWriter, r *http.Request) {
		all, err := queryBool(r, "all")
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := s.b.Images.List(r.Context(), all)
		reply(w, nonNil(out), err)
	})
	mux.HandleFunc("GET /v1/images/inspect", func(w http.ResponseWriter, r *http.Request) {
		ref := r.URL.Query().Get("ref")
		if ref == "" {
			writeError(w, errdefs.Invalid("no image named: pass ?ref=REPOSITORY:TAG or REPOSITORY@DIGEST"))
			return
		}
		out, err := s.b.Images.Get(r.Context(), ref)
		reply(w, out, err)
	})
	mux.HandleFunc("POST /v1/images/deprecate", func(w http.ResponseWriter, r *http.Request) {
		var req ImageRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.Images.Deprecate(r.Context(), req.Ref, !req.Undo)
		reply(w, out, err)
	})
	mux.HandleFunc("POST /v1/images/remove", func(w http.ResponseWriter, r *http.Request) {
		var req ImageRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.Images.Remove(r.Context(), req.Ref)
		reply(w, out, err)
	})
	mux.HandleFunc("POST /v1/images/prune", func(w http.ResponseWriter, r *http.Request) {
		var req PruneRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.Images.Prune(r.Context(), req.DryRun)
		reply(w, out, err)
	})
	// A repository's lifecycle policy, in ECR's JSON form.
	mux.HandleFunc("PUT /v1/lifecycle/{name...}", func(w http.ResponseWriter, r *http.Request) {
		var req LifecycleRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.Images.SetLifecyclePolicy(r.Context(), r.PathValue("name"), req.Policy)
		reply(w, out, err)
	})
	mux.HandleFunc("GET /v1/lifecycle/{name...}", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.Images.LifecyclePolicy(r.Context(), r.PathValue("name"))
		reply(w, out, err)
	})
}
