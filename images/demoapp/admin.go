package demoapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxAdminBody bounds an admin request; the real ones are a few bytes.
const maxAdminBody = 64 << 10

// faultsAnswer is the JSON shape of the fault settings.
type faultsAnswer struct {
	Latency    string  `json:"latency"`
	ErrorRate  float64 `json:"error_rate"`
	FailHealth bool    `json:"fail_health"`
	CrashAfter string  `json:"crash_after"` // "0s": never; set only at start
}

func (a *app) answerFaults(w http.ResponseWriter, f faultSettings) {
	writeJSON(w, http.StatusOK, faultsAnswer{
		Latency:    f.Latency.String(),
		ErrorRate:  f.ErrorRate,
		FailHealth: f.FailHealth,
		CrashAfter: a.cfg.crashAfter.String(),
	})
}

func (a *app) serveFaults(w http.ResponseWriter, r *http.Request) {
	a.answerFaults(w, a.faults.get())
}

func (a *app) setLatency(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Latency json.RawMessage `json:"latency"`
	}
	if !decodeRequest(w, r, &req) {
		return
	}
	d, err := latencyFromJSON(req.Latency)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	a.changed(w, "latency", func(f *faultSettings) { f.Latency = d })
}

// latencyFromJSON takes a duration string like "200ms"; a bare 0 also
// clears the latency, as people will type it.
func latencyFromJSON(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, errors.New(`missing "latency", like {"latency":"200ms"}`)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n float64
		if json.Unmarshal(raw, &n) == nil && n == 0 {
			return 0, nil
		}
		return 0, errors.New(`"latency" must be a duration string like "200ms" ("0" clears it)`)
	}
	d, err := parseLatency(s)
	if err != nil {
		return 0, fmt.Errorf("latency %q: %w", s, err)
	}
	return d, nil
}

func (a *app) setErrorRate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rate *float64 `json:"rate"`
	}
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.Rate == nil {
		badRequest(w, `missing "rate", like {"rate":0.1}`)
		return
	}
	if err := checkErrorRate(*req.Rate); err != nil {
		badRequest(w, fmt.Sprintf("rate %g: %v", *req.Rate, err))
		return
	}
	a.changed(w, "error rate", func(f *faultSettings) { f.ErrorRate = *req.Rate })
}

func (a *app) setHealth(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Fail *bool `json:"fail"`
	}
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.Fail == nil {
		badRequest(w, `missing "fail", like {"fail":true}`)
		return
	}
	a.changed(w, "health", func(f *faultSettings) { f.FailHealth = *req.Fail })
}

// changed applies a fault change, logs it (one line per change) and
// answers the settings after it.
func (a *app) changed(w http.ResponseWriter, what string, change func(*faultSettings)) {
	f := a.faults.update(change)
	a.log.Printf("fault change (%s): %s", what, f)
	a.answerFaults(w, f)
}

func (a *app) serveCrash(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusAccepted, map[string]any{"crashing": true, "in": crashDelay.String()})
	a.log.Printf("crash requested through /admin/crash: exiting in %s", crashDelay)
	// Later, not now: the answer must reach the client first.
	time.AfterFunc(crashDelay, func() { a.crash("asked through /admin/crash") })
}

// decodeRequest reads one JSON object into dst, answering 400 and
// returning false when it cannot.
func decodeRequest(w http.ResponseWriter, r *http.Request, dst any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		badRequest(w, fmt.Sprintf("reading body: %v", err))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		badRequest(w, fmt.Sprintf("bad JSON: %v", err))
		return false
	}
	if dec.More() {
		badRequest(w, "bad JSON: more than one value")
		return false
	}
	return true
}

// badRequest answers 400 with a one-line message.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}
