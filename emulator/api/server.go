package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Backend is the control plane the server exposes.
type Backend struct {
	Compute *compute.Service
	Groups  *autoscaling.Service
	Drift   *drift.Service
	LB      *elb.Service
	Images  *images.Catalog
	// Repositories are the registry's repository records.
	Repositories *registry.Repositories
	// Baker runs bakes; nil refuses them.
	Baker *bake.Baker
	DB    *store.DB
	// Sessions mint the dashboard's login codes; nil refuses them.
	Sessions *Sessions
	Status   func(ctx context.Context) (Status, error)
	Shutdown func(purge bool)
}

// NewHandler returns the API's HTTP handler.
func NewHandler(b Backend) http.Handler {
	s := &server{b: b}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("POST /v1/shutdown", s.shutdown)
	mux.HandleFunc("GET /v1/templates", s.listTemplates)
	mux.HandleFunc("POST /v1/templates", s.createTemplate)
	mux.HandleFunc("GET /v1/templates/{name}", s.getTemplate)
	mux.HandleFunc("DELETE /v1/templates/{name}", s.deleteTemplate)
	mux.HandleFunc("POST /v1/templates/{name}/versions", s.createVersion)
	mux.HandleFunc("POST /v1/templates/{name}/default", s.setDefault)
	mux.HandleFunc("GET /v1/instances", s.listInstances)
	mux.HandleFunc("POST /v1/instances", s.runInstances)
	mux.HandleFunc("GET /v1/instances/{id}", s.getInstance)
	mux.HandleFunc("GET /v1/instances/{id}/logs", s.logs)
	mux.HandleFunc("POST /v1/instances/terminate", s.terminate)
	mux.HandleFunc("GET /v1/events", s.events)
	mux.HandleFunc("POST /v1/dashboard/login", s.dashboardLogin)
	s.loadBalancerRoutes(mux)
	s.groupRoutes(mux)
	s.repositoryRoutes(mux)
	s.bakeRoutes(mux)
	s.imageRoutes(mux)
	s.driftRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errdefs.NotFound("no API route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

type server struct{ b Backend }

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.b.Status(r.Context())
	reply(w, st, err)
}

func (s *server) shutdown(w http.ResponseWriter, r *http.Request) {
	var req ShutdownRequest
	if !decode(w, r, &req) {
		return
	}
	reply(w, map[string]bool{"stopping": true}, nil)
	go s.b.Shutdown(req.Purge)
}

func (s *server) listTemplates(w http.ResponseWriter, r *http.Request) {
	out, err := s.b.Compute.Templates(r.Context())
	reply(w, nonNil(out), err)
}

func (s *server) createTemplate(w http.ResponseWriter, r *http.Request) {
	var req CreateTemplateRequest
	if !decode(w, r, &req) {
		return
	}
	t, v, err := s.b.Compute.CreateTemplate(r.Context(), req.Name, req.TemplateData)
	reply(w, TemplateDetail{Template: t, Versions: []compute.TemplateVersion{v}}, err)
}

func (s *server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, vs, err := s.b.Compute.Template(r.Context(), r.PathValue("name"))
	reply(w, TemplateDetail{Template: t, Versions: nonNil(vs)}, err)
}

// deleteTemplate removes a template and all its versions; a group that
// launches from it refuses (409).
func (s *server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.b.Compute.DeleteTemplate(r.Context(), name)
	reply(w, map[string]string{"deleted": name}, err)
}

func (s *server) createVersion(w http.ResponseWriter, r *http.Request) {
	var req CreateVersionRequest
	if !decode(w, r, &req) {
		return
	}
	v, err := s.b.Compute.CreateVersion(r.Context(), r.PathValue("name"), req.From, req.TemplateData, req.SetDefault, req.UnsetEnv...)
	reply(w, v, err)
}

func (s *server) setDefault(w http.ResponseWriter, r *http.Request) {
	var req SetDefaultRequest
	if !decode(w, r, &req) {
		return
	}
	t, err := s.b.Compute.SetDefaultVersion(r.Context(), r.PathValue("name"), req.Version)
	reply(w, t, err)
}

func (s *server) listInstances(w http.ResponseWriter, r *http.Request) {
	out, err := s.b.Compute.Instances(r.Context())
	reply(w, nonNil(out), err)
}

func (s *server) runInstances(w http.ResponseWriter, r *http.Request) {
	var req RunInstancesRequest
	if !decode(w, r, &req) {
		return
	}
	out, err := s.b.Compute.RunInstances(r.Context(), compute.RunRequest{
		Template: req.Template, Version: req.Version, Count: req.Count, Zone: req.Zone})
	reply(w, nonNil(out), err)
}

func (s *server) getInstance(w http.ResponseWriter, r *http.Request) {
	out, err := s.b.Compute.Instance(r.Context(), r.PathValue("id"))
	reply(w, out, err)
}

func (s *server) logs(w http.ResponseWriter, r *http.Request) {
	tail, err := queryCount(r, "tail")
	var out []byte
	if err == nil {
		out, err = s.b.Compute.Logs(r.Context(), r.PathValue("id"), tail)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(out)
}

func (s *server) terminate(w http.ResponseWriter, r *http.Request) {
	var req TerminateRequest
	if !decode(w, r, &req) {
		return
	}
	out, err := s.b.Compute.Terminate(r.Context(), req.IDs, "")
	reply(w, nonNil(out), err)
}

// events returns events after a sequence number; with wait, it long-polls
// until there is at least one or the wait ends.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	after, err := querySeq(r, "after")
	limit, lerr := queryCount(r, "limit")
	wait, werr := queryDuration(r, "wait")
	if err = errors.Join(err, lerr, werr); err != nil {
		writeError(w, err)
		return
	}
	var out []store.Event
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		out, err = s.b.DB.WaitEvents(ctx, after, limit)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	} else {
		out, err = s.b.DB.Events(after, limit)
	}
	reply(w, nonNil(out), err)
}

// dashboardLogin mints a one-time code that logs a browser in to the
// dashboard (see Sessions). It reads no body.
func (s *server) dashboardLogin(w http.ResponseWriter, r *http.Request) {
	if s.b.Sessions == nil {
		writeError(w, fmt.Errorf("%w: this daemon serves no dashboard", errdefs.ErrUnavailable))
		return
	}
	code := s.b.Sessions.Code()
	reply(w, DashboardLogin{Path: DashboardPath + "?code=" + code, ExpiresIn: int(codeLifetime.Seconds())}, nil)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
