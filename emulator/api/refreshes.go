package api

import (
	"net/http"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

// refreshRoutes serves single instance refreshes, so that a follower asks
// for the one it follows rather than listing them all.
func (s *server) refreshRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/groups/{name}/refreshes/{id}", s.withGroups(s.getRefresh))
}

func (s *server) getRefresh(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.Refresh(r.Context(), r.PathValue("name"), r.PathValue("id"))
	reply(w, out, err)
}
