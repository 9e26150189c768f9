package observe_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// groupSize is the demo group's size: enough to see a refresh go one
// instance at a time.
const groupSize = 3

// site is a sandbox with group web (template web, versions 1 and 2 of the
// demo app) behind load balancer web, all in service.
type site struct {
	s      *emulatortest.Sandbox
	api    string // the daemon's 127.0.0.1 address
	token  string
	lbAddr string
}

func startSite(t *testing.T) *site {
	t.Helper()
	s := emulatortest.Start(t)
	ctx := context.Background()
	c := s.Client
	for i, v := range []string{"v1", "v2"} {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"},
			Env: map[string]string{"DEMO_VERSION": v}}
		var err error
		if i == 0 {
			_, err = c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: data})
		} else {
			_, err = c.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: data})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	n := groupSize
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web:1", Min: 1, Max: groupSize + 1, Desired: &n,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "group web in service", 2*time.Minute, func() bool {
		g, err := c.Group(ctx, "web")
		return err == nil && g.Healthy == groupSize
	})
	token, err := emulator.ReadToken(s.Daemon.Paths())
	if err != nil {
		t.Fatal(err)
	}
	return &site{s: s, api: s.Daemon.APIAddr(), token: token, lbAddr: l.Address}
}

// scrape reads /metrics over TCP with the token, as Prometheus would.
func (st *site) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+st.api+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+st.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value sums the samples of a family whose labels include want ("k=v").
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	sum := 0.0
	for _, m := range f.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, want []string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for _, w := range want {
		k, v, _ := strings.Cut(w, "=")
		if have[k] != v {
			return false
		}
	}
	return true
}

// expect checks metric values, naming every one that differs.
func expect(t *testing.T, fams map[string]*dto.MetricFamily, checks []check) {
	t.Helper()
	for _, c := range checks {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, strings.Join(c.labels, ","), got, c.want)
		}
	}
}

type check struct {
	name   string
	labels []string
	want   float64
}

// refresh refreshes web to version 2, one instance at a time, with load
// through the load balancer meanwhile, and waits for it to succeed. watch,
// if set, is given the function that starts the refresh, to call when it
// is ready to watch (if it does not, the refresh starts after it).
func (st *site) refresh(t *testing.T, watch func(start func())) {
	t.Helper()
	ctx := context.Background()
	load, err := loadgen.Start(ctx, loadgen.Config{Name: "dashboard", URL: "http://" + st.lbAddr + "/", Freq: 40, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer load.Stop()
	answered := func(n int) { // requests answered, for the chart to show
		t.Helper()
		testutil.WaitFor(t, fmt.Sprintf("%d requests answered", n), time.Minute, func() bool { return len(load.Records()) >= n })
	}
	answered(40)
	var id string
	start := func() {
		minHealthy := 100 * (groupSize - 1) / groupSize
		r, err := st.s.Client.StartRefresh(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "2",
			MinHealthyPercentage: &minHealthy, InstanceWarmup: autoscaling.D(0)})
		must(t, err, "starting a refresh")
		id = r.ID
	}
	if watch != nil {
		watch(start)
	}
	if id == "" {
		start()
	}
	testutil.WaitFor(t, "refresh "+id+" to end", 3*time.Minute, func() bool {
		got, err := st.s.Client.Refresh(ctx, "web", id)
		must(t, err, "reading refresh %s", id)
		if autoscaling.Done(got.Status) && got.Status != autoscaling.RefreshSuccessful {
			t.Fatalf("refresh %s ended %s: %s", id, got.Status, got.StatusReason)
		}
		return got.Status == autoscaling.RefreshSuccessful
	})
}

func get(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func must(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
