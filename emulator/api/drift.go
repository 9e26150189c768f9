package api

import (
	"fmt"
	"net/http"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// driftRoutes serve drift detection and injection.
func (s *server) driftRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/drift", s.withDrift(s.scanDrift))
	mux.HandleFunc("POST /v1/drift/inject", s.withDrift(s.injectDrift))
	mux.HandleFunc("POST /v1/drift/restore", s.withDrift(s.restoreDrift))
}

func (s *server) withDrift(h func(d *drift.Service, w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.b.Drift == nil {
			writeError(w, fmt.Errorf("%w: this daemon runs no drift detection", errdefs.ErrUnavailable))
			return
		}
		h(s.b.Drift, w, r)
	}
}

// scanDrift scans now; ?group=NAME scans one group.
func (s *server) scanDrift(d *drift.Service, w http.ResponseWriter, r *http.Request) {
	group := r.URL.Query().Get("group")
	if group != "" && s.b.Groups != nil {
		if _, err := s.b.Groups.Group(r.Context(), group); err != nil {
			writeError(w, err)
			return
		}
	}
	out, err := d.Scan(r.Context(), group)
	reply(w, out, err)
}

func (s *server) injectDrift(d *drift.Service, w http.ResponseWriter, r *http.Request) {
	var req drift.InjectSpec
	if !decode(w, r, &req) {
		return
	}
	if req.Group != "" && s.b.Groups != nil {
		if _, err := s.b.Groups.Group(r.Context(), req.Group); err != nil {
			writeError(w, err)
			return
		}
	}
	out, err := d.Inject(r.Context(), req)
	reply(w, out, err)
}

// RestoreRequest ends injected zone outages.
type RestoreRequest struct {
	Zone string `json:"zone,omitempty"` // "" restores every zone
	By   string `json:"by,omitempty"`
}

func (s *server) restoreDrift(d *drift.Service, w http.ResponseWriter, r *http.Request) {
	var req RestoreRequest
	if !decode(w, r, &req) {
		return
	}
	out, err := d.Restore(r.Context(), req.Zone, req.By)
	reply(w, out, err)
}

// GroupDriftRequest sets what drift detection does with a group's
// drifted instances.
type GroupDriftRequest struct {
	Drift string `json:"drift"`
}

func (s *server) setGroupDrift(g *autoscaling.Service, w http.ResponseWriter, r *http.Request) {
	var req GroupDriftRequest
	if !decode(w, r, &req) {
		return
	}
	out, err := g.SetDrift(r.Context(), r.PathValue("name"), req.Drift)
	reply(w, out, err)
}
