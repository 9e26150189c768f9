package demoapp

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"time"
)

// crashDelay lets the answer to /admin/crash reach the client before the
// process goes.
const crashDelay = 100 * time.Millisecond

// app holds the handlers' state. Its hooks are fields so tests can replace
// randomness, the clock and the crash.
type app struct {
	cfg    config
	faults faultState
	log    *log.Logger
	random func() float64 // in [0, 1)
	now    func() time.Time
	// crash makes the process exit non-zero; serve wires it to stop
	// serving and return an error, tests record the call instead.
	crash func(reason string)
}

func newApp(cfg config, logger *log.Logger, crash func(reason string)) *app {
	a := &app{cfg: cfg, log: logger, random: rand.Float64, now: time.Now, crash: crash}
	a.faults.f = cfg.faults
	return a
}

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.serveRoot)
	mux.HandleFunc("GET /healthz", a.serveHealth)
	mux.HandleFunc("GET /admin/faults", a.serveFaults)
	mux.HandleFunc("POST /admin/latency", a.setLatency)
	mux.HandleFunc("POST /admin/error-rate", a.setErrorRate)
	mux.HandleFunc("POST /admin/health", a.setHealth)
	mux.HandleFunc("POST /admin/crash", a.serveCrash)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every answer says who gave it, so a load test through the load
		// balancer can count versions and instances, failures included.
		w.Header().Set("X-Demo-Version", a.cfg.version)
		w.Header().Set("X-Instance-Id", a.cfg.instanceID)
		mux.ServeHTTP(w, r)
	})
}

type rootAnswer struct {
	Version    string `json:"version"`
	InstanceID string `json:"instance_id"`
	Hostname   string `json:"hostname"`
	Zone       string `json:"zone"`
	Time       string `json:"time"`
}

func (a *app) serveRoot(w http.ResponseWriter, r *http.Request) {
	f := a.faults.get()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.ErrorRate > 0 && a.random() < f.ErrorRate {
		writeJSON(w, http.StatusInternalServerError, map[string]string{
			"error":       fmt.Sprintf("injected error (error rate %g)", f.ErrorRate),
			"version":     a.cfg.version,
			"instance_id": a.cfg.instanceID,
		})
		return
	}
	writeJSON(w, http.StatusOK, rootAnswer{
		Version:    a.cfg.version,
		InstanceID: a.cfg.instanceID,
		Hostname:   a.cfg.hostname,
		Zone:       a.cfg.zone,
		Time:       a.now().UTC().Format(time.RFC3339Nano),
	})
}

func (a *app) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if a.faults.get().FailHealth {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "failing (fault injected)")
		return
	}
	fmt.Fprint(w, "ok")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
