package drift_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func group(t *testing.T, c *api.Client) autoscaling.GroupDetail {
	t.Helper()
	g, err := c.Group(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestIntegrationFileDriftIsCaughtAndReplacedUnderLoad is the judged
// path: a group of 3 behind the load balancer under a constant stream of
// requests; the demo app left running scans clean; a hotfixed file is
// reported with its kind, instance and path within two scan intervals,
// the instance replaced through draining, the scan back in sync, and no
// request failed. Then, set to report, the group only reports.
func TestIntegrationFileDriftIsCaughtAndReplacedUnderLoad(t *testing.T) {
	s := emulatortest.Start(t)
	c := s.Client
	ctx := context.Background()
	data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}}
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: data}); err != nil {
		t.Fatal(err)
	}
	lbRec, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 3, Max: 6, Desired: &three,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "3 healthy", time.Minute, func() bool { g := group(t, c); return g.Healthy == 3 && len(g.Instances) == 3 })
	load, err := loadgen.Start(ctx, loadgen.Config{Name: "drift", URL: "http://" + lbRec.Address + "/", Freq: 100, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	interval := timing.Fast().DriftScanInterval
	for i := 0; i < 4; i++ { // left running, scanned again and again: never drift
		if rep, err := c.ScanDrift(ctx, ""); err != nil || rep.Drifted() || rep.Summary.InSync != 3 {
			t.Fatalf("scan %d of an untouched group: %v %+v", i, err, rep)
		}
		time.Sleep(interval)
	}

	victim := group(t, c).Instances[0]
	// Behind cattle's back, as `docker cp` would: the periodic scan finds it.
	if err := s.Runtime.PutFile(ctx, victim.ContainerID, "/etc/hotfix.conf", []byte("fixed=1\n")); err != nil {
		t.Fatal(err)
	}
	injected := time.Now()
	// Two intervals, and a second for the scan itself on a busy engine.
	testutil.WaitFor(t, "drift detected", 2*interval+time.Second, func() bool { return detected(t, c, victim.ID, "/etc/hotfix.conf") })
	t.Logf("detected %s after the injection", time.Since(injected).Round(100*time.Millisecond))
	testutil.WaitFor(t, "the drifted instance replaced", 2*time.Minute, func() bool {
		g := group(t, c)
		for _, i := range g.Instances {
			if i.ID == victim.ID {
				return false
			}
		}
		return g.Healthy == 3 && len(g.Instances) == 3
	})
	testutil.WaitFor(t, "scan back in sync", 4*interval, func() bool {
		rep, err := c.ScanDrift(ctx, "web")
		return err == nil && !rep.Drifted()
	})
	if rep, err := c.ScanDrift(ctx, "web"); err != nil || len(rep.Replaced) != 1 || rep.Replaced[0].ID != victim.ID ||
		rep.Replaced[0].Kind != drift.KindFilesystem || rep.Replaced[0].ReplacedBy == "" {
		t.Errorf("the report should say which instance replaced the drifted one: %v %+v", err, rep.Replaced)
	}
	load.Stop()
	recs := load.Records()
	for _, r := range recs {
		if r.Status != http.StatusOK {
			t.Fatalf("a request failed during the replacement: %s %s (of %d)", r.Outcome(), r.Error, len(recs))
		}
	}
	t.Logf("%d requests, none failed", len(recs))
	reportOnly(t, c)
}

// reportOnly: a group set to report keeps its drifted instance.
func reportOnly(t *testing.T, c *api.Client) {
	ctx := context.Background()
	if _, err := c.SetGroupDrift(ctx, "web", "report"); err != nil {
		t.Fatal(err)
	}
	victim := group(t, c).Instances[0]
	// A file, not a container made again: with ELB health checks on the
	// fast clock, the gap of a remade container can get it replaced as
	// unhealthy, which is the health check's doing, not drift's.
	if _, err := c.InjectDrift(ctx, drift.InjectSpec{Kind: "file", Instance: victim.ID, Path: "/etc/audit", Content: "x"}); err != nil {
		t.Fatal(err)
	}
	var rep drift.Report
	testutil.WaitFor(t, "file drift reported", time.Minute, func() bool {
		rep, _ = c.ScanDrift(ctx, "web")
		return rep.Summary.Drifted == 1
	})
	for _, r := range rep.Instances {
		if r.Status == drift.StatusModified && (r.ID != victim.ID || r.Kind != drift.KindFilesystem || !strings.HasPrefix(r.Remediation, "report only")) {
			t.Fatalf("report-only drift: %+v", r)
		}
	}
	time.Sleep(2 * timing.Fast().DriftScanInterval)
	if g := group(t, c); g.Instances[0].ID != victim.ID && g.Instances[1].ID != victim.ID && g.Instances[2].ID != victim.ID {
		t.Fatalf("a report-only group replaced its drifted instance: %+v", g.Instances)
	}
}

func detected(t *testing.T, c *api.Client, id, path string) bool {
	evs, err := c.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == drift.EventDetected && e.Fields["instance"] == id && e.Fields["kind"] == drift.KindFilesystem && e.Fields["path"] == path {
			return true
		}
	}
	return false
}
