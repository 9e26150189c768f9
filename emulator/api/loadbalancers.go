package api

import (
	"net/http"

	"github.com/cattle-dev/cattle/emulator/elb"
)

// TargetsRequest names instances to register or deregister.
type TargetsRequest struct {
	IDs  []string `json:"ids"`
	Wait bool     `json:"wait,omitempty"` // deregister: return once drained
}

// ForwardsRequest sets a load balancer's weighted forwards.
type ForwardsRequest struct {
	Forwards []elb.Forward `json:"forwards"`
}

// loadBalancerRoutes serves load balancers and their targets.
func (s *server) loadBalancerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/loadbalancers", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.LB.List(r.Context())
		reply(w, nonNil(out), err)
	})
	mux.HandleFunc("POST /v1/loadbalancers", func(w http.ResponseWriter, r *http.Request) {
		var req elb.CreateRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.LB.Create(r.Context(), req)
		reply(w, out, err)
	})
	mux.HandleFunc("GET /v1/loadbalancers/{name}", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.LB.Get(r.Context(), r.PathValue("name"))
		reply(w, out, err)
	})
	mux.HandleFunc("DELETE /v1/loadbalancers/{name}", func(w http.ResponseWriter, r *http.Request) {
		err := s.b.LB.Delete(r.Context(), r.PathValue("name"))
		reply(w, map[string]bool{"deleted": true}, err)
	})
	mux.HandleFunc("GET /v1/loadbalancers/{name}/targets", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.LB.Targets(r.Context(), r.PathValue("name"))
		reply(w, nonNil(out), err)
	})
	mux.HandleFunc("POST /v1/loadbalancers/{name}/register", func(w http.ResponseWriter, r *http.Request) {
		var req TargetsRequest
		if !decode(w, r, &req) {
			return
		}
		err := s.b.LB.RegisterIDs(r.Context(), r.PathValue("name"), req.IDs)
		reply(w, map[string]bool{"registered": true}, err)
	})
	mux.HandleFunc("POST /v1/loadbalancers/{name}/deregister", func(w http.ResponseWriter, r *http.Request) {
		var req TargetsRequest
		if !decode(w, r, &req) {
			return
		}
		err := s.b.LB.Deregister(r.Context(), r.PathValue("name"), req.IDs, req.Wait)
		reply(w, map[string]bool{"deregistered": true}, err)
	})
	mux.HandleFunc("GET /v1/loadbalancers/{name}/stats", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.b.LB.Stats(r.Context(), r.PathValue("name"))
		reply(w, out, err)
	})
	mux.HandleFunc("PUT /v1/loadbalancers/{name}/forwards", func(w http.ResponseWriter, r *http.Request) {
		var req ForwardsRequest
		if !decode(w, r, &req) {
			return
		}
		out, err := s.b.LB.SetForwards(r.Context(), r.PathValue("name"), req.Forwards)
		reply(w, out, err)
	})
}
