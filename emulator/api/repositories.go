package api

import (
	"net/http"
	"strconv"
)

// CreateRepositoryRequest makes a repository in the registry.
type CreateRepositoryRequest struct {
	Name      string `json:"name"`
	Immutable bool   `json:"immutable,omitempty"` // tags cannot be pushed again
}

// repositoryRoutes serves the registry's repository records. Names may
// hold slashes (team/web), hence the trailing wildcard.
func (s *server) repositoryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/repositories", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.Repositories.List(r.Context())
		reply(w, nonNil(out), err)
	})
	mux.HandleFunc("POST /v1/repositories", func(w http.ResponseWriter, r *http.Request) {
		var req CreateRepositoryRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.Repositories.Create(r.Context(), req.Name, req.Immutable)
		reply(w, out, err)
	})
	mux.HandleFunc("GET /v1/repositories/{name...}", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.Repositories.Get(r.Context(), r.PathValue("name"))
		reply(w, out, err)
	})
	mux.HandleFunc("DELETE /v1/repositories/{name...}", func(w http.ResponseWriter, r *http.Request) {
		force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
		name := r.PathValue("name")
		err := s.b.Repositories.Delete(r.Context(), name, force)
		reply(w, map[string]string{"deleted": name}, err)
	})
}
