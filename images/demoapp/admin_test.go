package demoapp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminFaultsReportsStartSettings(t *testing.T) {
	ta := newTestApp(t, config{
		faults:     faultSettings{Latency: 200 * time.Millisecond, ErrorRate: 0.25, FailHealth: true},
		crashAfter: 30 * time.Second,
	})
	want := faultsAnswer{Latency: "200ms", ErrorRate: 0.25, FailHealth: true, CrashAfter: "30s"}
	if got := ta.faultsNow(t); got != want {
		t.Errorf("faults = %+v, want %+v", got, want)
	}
}

func TestAdminLatency(t *testing.T) {
	ta := newTestApp(t, config{})
	status, _, body := ta.do(t, http.MethodPost, "/admin/latency", `{"latency":"250ms"}`)
	if status != http.StatusOK {
		t.Fatalf("POST /admin/latency = %d %s", status, body)
	}
	var answered faultsAnswer
	if err := json.Unmarshal([]byte(body), &answered); err != nil || answered.Latency != "250ms" {
		t.Errorf("answer %q: want the new settings", body)
	}
	if got := ta.faultsNow(t).Latency; got != "250ms" {
		t.Errorf("latency = %s, want 250ms", got)
	}
	start := time.Now()
	ta.do(t, http.MethodGet, "/", "")
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("GET / took %s after setting 250ms", took)
	}
	if !strings.Contains(ta.logs.String(), "latency=250ms") {
		t.Errorf("no log line for the change:\n%s", ta.logs)
	}

	for _, clear := range []string{`{"latency":"0"}`, `{"latency":0}`, `{"latency":"0s"}`} {
		ta.do(t, http.MethodPost, "/admin/latency", `{"latency":"1s"}`)
		if status, _, body := ta.do(t, http.MethodPost, "/admin/latency", clear); status != http.StatusOK {
			t.Errorf("%s = %d %s", clear, status, body)
		}
		if got := ta.faultsNow(t).Latency; got != "0s" {
			t.Errorf("after %s latency = %s, want 0s", clear, got)
		}
	}
}

func TestAdminErrorRate(t *testing.T) {
	ta := newTestApp(t, config{})
	if status, _, body := ta.do(t, http.MethodPost, "/admin/error-rate", `{"rate":1}`); status != http.StatusOK {
		t.Fatalf("POST /admin/error-rate = %d %s", status, body)
	}
	if status, _, _ := ta.do(t, http.MethodGet, "/", ""); status != http.StatusInternalServerError {
		t.Errorf("GET / = %d at rate 1, want 500", status)
	}
	ta.do(t, http.MethodPost, "/admin/error-rate", `{"rate":0}`)
	if status, _, _ := ta.do(t, http.MethodGet, "/", ""); status != http.StatusOK {
		t.Errorf("GET / = %d at rate 0, want 200", status)
	}
	if got := ta.faultsNow(t).ErrorRate; got != 0 {
		t.Errorf("error_rate = %g", got)
	}
}

func TestAdminHealth(t *testing.T) {
	ta := newTestApp(t, config{})
	ta.do(t, http.MethodPost, "/admin/health", `{"fail":true}`)
	if status, _, _ := ta.do(t, http.MethodGet, "/healthz", ""); status != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz = %d after fail:true, want 503", status)
	}
	if !ta.faultsNow(t).FailHealth {
		t.Error("faults do not show fail_health")
	}
	ta.do(t, http.MethodPost, "/admin/health", `{"fail":false}`)
	if status, _, _ := ta.do(t, http.MethodGet, "/healthz", ""); status != http.StatusOK {
		t.Errorf("GET /healthz = %d after fail:false, want 200", status)
	}
}

func TestAdminRefusesBadRequests(t *testing.T) {
	ta := newTestApp(t, config{faults: faultSettings{ErrorRate: 0.5}})
	bad := []struct{ path, body string }{
		{"/admin/latency", `{"latency":"fast"}`},
		{"/admin/latency", `{"latency":"-1s"}`},
		{"/admin/latency", `{"latency":200}`},
		{"/admin/latency", `{}`},
		{"/admin/latency", `not json`},
		{"/admin/error-rate", `{"rate":1.5}`},
		{"/admin/error-rate", `{"rate":-0.1}`},
		{"/admin/error-rate", `{"rate":"0.1"}`},
		{"/admin/error-rate", `{}`},
		{"/admin/error-rate", `{"rate":0.1,"typo":1}`},
		{"/admin/error-rate", `{"rate":0.1}{"rate":0.2}`},
		{"/admin/health", `{"fail":"yes"}`},
		{"/admin/health", ``},
		{"/admin/health", `{"fail":true` + strings.Repeat(" ", maxAdminBody) + `}`},
	}
	for _, b := range bad {
		status, h, body := ta.do(t, http.MethodPost, b.path, b.body)
		if status != http.StatusBadRequest {
			t.Errorf("POST %s %.40q = %d, want 400", b.path, b.body, status)
			continue
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(body), &got); err != nil || got["error"] == "" ||
			strings.Contains(strings.TrimSuffix(body, "\n"), "\n") || h.Get("Content-Type") != "application/json" {
			t.Errorf("POST %s %.40q: body %q, want one line of JSON with an error", b.path, b.body, body)
		}
	}
	want := faultsAnswer{Latency: "0s", ErrorRate: 0.5, CrashAfter: "0s"}
	if got := ta.faultsNow(t); got != want {
		t.Errorf("bad requests changed the faults: %+v, want %+v", got, want)
	}
}

func TestAdminCrashAnswersThenCallsTheHook(t *testing.T) {
	ta := newTestApp(t, config{})
	status, _, body := ta.do(t, http.MethodPost, "/admin/crash", "")
	if status != http.StatusAccepted {
		t.Fatalf("POST /admin/crash = %d %s, want 202", status, body)
	}
	select {
	case reason := <-ta.crashes:
		if !strings.Contains(reason, "/admin/crash") {
			t.Errorf("crash reason %q", reason)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("crash hook never called")
	}
}
