package demoapp

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestRootSaysWhoAnswered(t *testing.T) {
	ta := newTestApp(t, config{version: "v3", instanceID: "i-0abc", hostname: "host-1", zone: "zone-a"})
	ta.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)) }

	status, h, body := ta.do(t, http.MethodGet, "/", "")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d %s", status, body)
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if h.Get("X-Demo-Version") != "v3" || h.Get("X-Instance-Id") != "i-0abc" {
		t.Errorf("headers X-Demo-Version=%q X-Instance-Id=%q", h.Get("X-Demo-Version"), h.Get("X-Instance-Id"))
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	want := map[string]string{
		"version": "v3", "instance_id": "i-0abc", "hostname": "host-1", "zone": "zone-a",
		"time": "2026-01-02T02:04:05Z",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (body %s)", k, got[k], v, body)
		}
	}
	if len(got) != len(want) {
		t.Errorf("body has fields %v, want exactly %v", got, want)
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	ta := newTestApp(t, config{})
	if status, h, _ := ta.do(t, http.MethodGet, "/nope", ""); status != http.StatusNotFound || h.Get("X-Demo-Version") != "v1" {
		t.Errorf("GET /nope = %d (X-Demo-Version %q), want 404 with the version header", status, h.Get("X-Demo-Version"))
	}
	if status, _, _ := ta.do(t, http.MethodPost, "/", "{}"); status != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", status)
	}
	if status, _, _ := ta.do(t, http.MethodGet, "/admin/crash", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /admin/crash = %d, want 405", status)
	}
	select {
	case r := <-ta.crashes:
		t.Errorf("crashed (%s) on a GET", r)
	default:
	}
}

func TestHealthz(t *testing.T) {
	ta := newTestApp(t, config{version: "v2"})
	status, h, body := ta.do(t, http.MethodGet, "/healthz", "")
	if status != http.StatusOK || body != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", status, body)
	}
	if h.Get("X-Demo-Version") != "v2" {
		t.Errorf("X-Demo-Version = %q", h.Get("X-Demo-Version"))
	}
}

func TestHealthzFailsWhenStartedFailing(t *testing.T) {
	ta := newTestApp(t, config{faults: faultSettings{FailHealth: true}})
	if status, _, body := ta.do(t, http.MethodGet, "/healthz", ""); status != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz = %d %q, want 503", status, body)
	}
	// The app itself still serves: only its health check lies.
	if status, _, _ := ta.do(t, http.MethodGet, "/", ""); status != http.StatusOK {
		t.Errorf("GET / = %d, want 200", status)
	}
}

func TestLatencyDelaysRootOnly(t *testing.T) {
	const latency = 200 * time.Millisecond
	ta := newTestApp(t, config{faults: faultSettings{Latency: latency}})
	start := time.Now()
	status, _, _ := ta.do(t, http.MethodGet, "/", "")
	if took := time.Since(start); took < latency {
		t.Errorf("GET / took %s, want at least the injected %s", took, latency)
	}
	if status != http.StatusOK {
		t.Errorf("GET / = %d", status)
	}

	// Health checks must not wait, or a slow app would look dead.
	ta.faults.update(func(f *faultSettings) { f.Latency = time.Hour })
	if status, _, _ := ta.do(t, http.MethodGet, "/healthz", ""); status != http.StatusOK {
		t.Errorf("GET /healthz = %d with latency on", status)
	}
}

func TestErrorRate(t *testing.T) {
	tests := []struct {
		rate, roll float64
		want       int
	}{
		{0, 0, http.StatusOK},
		{0.5, 0.3, http.StatusInternalServerError},
		{0.5, 0.7, http.StatusOK},
		{1, 0.999, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		ta := newTestApp(t, config{version: "v9", instanceID: "i-1", faults: faultSettings{ErrorRate: tt.rate}})
		ta.random = func() float64 { return tt.roll }
		status, h, body := ta.do(t, http.MethodGet, "/", "")
		if status != tt.want {
			t.Errorf("rate %g, roll %g: GET / = %d, want %d", tt.rate, tt.roll, status, tt.want)
		}
		if h.Get("X-Demo-Version") != "v9" || h.Get("X-Instance-Id") != "i-1" {
			t.Errorf("rate %g: failed answers must still name the instance, headers %v", tt.rate, h)
		}
		if status == http.StatusInternalServerError {
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil || got["error"] == "" || got["version"] != "v9" {
				t.Errorf("500 body %q: want JSON with error and version", body)
			}
		}
	}
}

func TestErrorRateOneFailsEveryRequest(t *testing.T) {
	ta := newTestApp(t, config{faults: faultSettings{ErrorRate: 1}})
	for i := 0; i < 20; i++ {
		if status, _, _ := ta.do(t, http.MethodGet, "/", ""); status != http.StatusInternalServerError {
			t.Fatalf("request %d: %d, want 500", i, status)
		}
	}
}
