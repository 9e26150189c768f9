package observe_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// TestIntegrationMetricsAndDashboard runs one sandbox with a group of
// three behind a load balancer: /metrics counts exactly the requests the
// test sends; then, during a refresh to v2 under load, a headless browser
// watches the dashboard (when chromium is installed); afterwards /metrics
// shows the refresh and its launches and terminations.
func TestIntegrationMetricsAndDashboard(t *testing.T) {
	st := startSite(t)
	if resp := get(t, "http://"+st.api+"/metrics"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token: %s, want 401", resp.Status)
	}
	const sent = 60
	client := loadgen.LoopbackClient(0)
	for i := range sent {
		resp, err := client.Get("http://" + st.lbAddr + "/?n=" + strconv.Itoa(i))
		must(t, err, "request %d through the load balancer", i)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d through the load balancer: %s", i, resp.Status)
		}
	}
	// The load balancer counts a request once its response is sent, which
	// the client may have read a moment before.
	testutil.WaitFor(t, "the load balancer to count the requests", time.Minute, func() bool {
		return value(st.scrape(t), "cattle_lb_requests_total", "lb=web") == sent
	})
	expect(t, st.scrape(t), []check{
		{"cattle_lb_requests_total", []string{"lb=web"}, sent},
		{"cattle_lb_responses_total", []string{"lb=web", "class=2xx"}, sent},
		{"cattle_lb_responses_total", []string{"lb=web", "class=5xx"}, 0},
		{"cattle_lb_errors_total", []string{"lb=web"}, 0},
		{"cattle_lb_request_duration_seconds", []string{"lb=web"}, sent},
		{"cattle_lb_target_requests_total", []string{"lb=web"}, sent},
		{"cattle_lb_targets", []string{"lb=web", "state=healthy"}, groupSize},
		{"cattle_lb_targets", []string{"lb=web", "state=unhealthy"}, 0},
		{"cattle_group_desired_instances", []string{"group=web"}, groupSize},
		{"cattle_group_in_service_instances", []string{"group=web"}, groupSize},
		{"cattle_group_pending_instances", []string{"group=web"}, 0},
		{"cattle_group_instances", []string{"group=web", "template=web", "version=1"}, groupSize},
		{"cattle_group_launches_total", []string{"group=web", "cause=capacity"}, groupSize},
		{"cattle_api_requests_total", []string{"method=POST", "route=/v1/groups", "code=200"}, 1},
		{"cattle_api_requests_total", []string{"method=POST", "route=/v1/loadbalancers", "code=200"}, 1},
	})
	perTarget := st.scrape(t)["cattle_lb_target_requests_total"].GetMetric()
	if len(perTarget) != groupSize {
		t.Errorf("cattle_lb_target_requests_total has %d targets, want %d", len(perTarget), groupSize)
	}

	st.refresh(t, func(start func()) { watchDashboard(t, st, start) })
	expect(t, st.scrape(t), []check{
		{"cattle_refresh_percent_complete", []string{"group=web"}, 100},
		{"cattle_refresh_status", []string{"group=web", "status=Successful"}, 1},
		{"cattle_refresh_in_progress", []string{"group=web"}, 0},
		{"cattle_group_launches_total", []string{"group=web", "cause=refresh"}, groupSize},
		{"cattle_group_terminations_total", []string{"group=web", "cause=refresh"}, groupSize},
		{"cattle_group_replacements_total", []string{"group=web", "cause=refresh"}, groupSize},
		{"cattle_group_instances", []string{"group=web", "template=web", "version=2"}, groupSize},
		{"cattle_group_instances", []string{"group=web", "template=web", "version=1"}, 0},
	})
}
