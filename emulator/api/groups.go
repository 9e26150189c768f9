package api

import (
	"fmt"
	"net/http"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// groupRoutes serves auto scaling groups and instance refreshes.
func (s *server) groupRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/groups", s.withGroups(s.listGroups))
	mux.HandleFunc("POST /v1/groups", s.withGroups(s.createGroup))
	mux.HandleFunc("GET /v1/groups/{name}", s.withGroups(s.getGroup))
	mux.HandleFunc("DELETE /v1/groups/{name}", s.withGroups(s.deleteGroup))
	mux.HandleFunc("POST /v1/groups/{name}/scale", s.withGroups(s.scaleGroup))
	mux.HandleFunc("POST /v1/groups/{name}/drift", s.withGroups(s.setGroupDrift))
	mux.HandleFunc("GET /v1/groups/{name}/refreshes", s.withGroups(s.listRefreshes))
	mux.HandleFunc("POST /v1/groups/{name}/refreshes", s.withGroups(s.startRefresh))
	mux.HandleFunc("POST /v1/groups/{name}/refreshes/cancel", s.withGroups(s.cancelRefresh))
	mux.HandleFunc("POST /v1/groups/{name}/rollback", s.withGroups(s.rollback))
	mux.HandleFunc("PUT /v1/groups/{name}/policy", s.withGroups(s.putPolicy))
	mux.HandleFunc("DELETE /v1/groups/{name}/policy", s.withGroups(s.deletePolicy))
	s.refreshRoutes(mux)
}

// withGroups answers 503 when the daemon runs no auto scaling service.
func (s *server) withGroups(h func(g *autoscaling.Service, w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.b.Groups == nil {
			writeError(w, fmt.Errorf("%w: this daemon runs no auto scaling groups", errdefs.ErrUnavailable))
			return
		}
		h(s.b.Groups, w, r)
	}
}

func (s *server) listGroups(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.Groups(r.Context())
	reply(w, nonNil(out), err)
}

func (s *server) createGroup(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	var req autoscaling.GroupSpec
	if !decode(w, r, &req) {
		return
	}
	out, err := g.CreateGroup(r.Context(), req)
	reply(w, out, err)
}

func (s *server) getGroup(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.Group(r.Context(), r.PathValue("name"))
	reply(w, out, err)
}

// deleteGroup answers once the group's instances are terminated and the
// group is gone; ?force=true also cancels a refresh in progress.
func (s *server) deleteGroup(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	force, err := queryBool(r, "force")
	if err == nil {
		err = g.DeleteGroup(r.Context(), name, force)
	}
	reply(w, map[string]string{"deleted": name}, err)
}

func (s *server) scaleGroup(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	var req autoscaling.ScaleSpec
	if !decode(w, r, &req) {
		return
	}
	out, err := g.ScaleGroup(r.Context(), r.PathValue("name"), req)
	reply(w, out, err)
}

func (s *server) listRefreshes(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.Refreshes(r.Context(), r.PathValue("name"))
	reply(w, nonNil(out), err)
}

func (s *server) startRefresh(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	var req autoscaling.RefreshSpec
	if !decode(w, r, &req) {
		return
	}
	out, err := g.StartRefresh(r.Context(), r.PathValue("name"), req)
	reply(w, out, err)
}

func (s *server) cancelRefresh(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.CancelRefresh(r.Context(), r.PathValue("name"))
	reply(w, out, err)
}

func (s *server) rollback(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.Rollback(r.Context(), r.PathValue("name"))
	reply(w, out, err)
}

// putPolicy sets the group's target tracking scaling policy, replacing
// the one it had, and answers with the group.
func (s *server) putPolicy(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	var req autoscaling.PolicySpec
	if !decode(w, r, &req) {
		return
	}
	out, err := g.PutPolicy(r.Context(), r.PathValue("name"), req)
	reply(w, out, err)
}

func (s *server) deletePolicy(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	out, err := g.DeletePolicy(r.Context(), r.PathValue("name"))
	reply(w, out, err)
}
