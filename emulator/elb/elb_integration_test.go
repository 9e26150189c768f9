package elb_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
)

var httpClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// setup starts a sandbox with three demo instances behind a load balancer
// and waits until all three are healthy.
func setup(t *testing.T) (*emulatortest.Sandbox, elb.LoadBalancer, []compute.Instance) {
	t.Helper()
	s := emulatortest.Start(t)
	ctx := context.Background()
	c := s.Client
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}}}); err != nil {
		t.Fatal(err)
	}
	insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	lbr, err := c.CreateLoadBalancer(ctx, api.CreateLoadBalancerRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(insts))
	for i, inst := range insts {
		ids[i] = inst.ID
	}
	if err := c.RegisterTargets(ctx, "web", ids...); err != nil {
		t.Fatal(err)
	}
	waitStates(t, c, "web", map[string]string{ids[0]: "healthy", ids[1]: "healthy", ids[2]: "healthy"})
	return s, lbr, insts
}

func targetStates(t *testing.T, c *api.Client, name string) map[string]string {
	t.Helper()
	ts, err := c.Targets(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, x := range ts {
		out[x.ID] = x.State
	}
	return out
}

func waitStates(t *testing.T, c *api.Client, name string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := targetStates(t, c, name)
		ok := true
		for id, st := range want {
			if got[id] != st {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("targets of %s: %v, want %v", name, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getVia(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET through the load balancer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Cattle-Target")
}

func TestIntegrationLoadIsSharedEvenly(t *testing.T) {
	s, lbr, insts := setup(t)
	_ = s
	served := map[string]int{}
	const n = 600
	for range n {
		code, target := getVia(t, lbr.Address)
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		served[target]++
	}
	mean := n / len(insts)
	for _, inst := range insts {
		got := served[inst.ID]
		if got < mean*9/10 || got > mean*11/10 {
			t.Errorf("instance %s served %d of %d requests, want within 10%% of %d: %v", inst.ID, got, n, mean, served)
		}
	}
}

func setHealth(t *testing.T, inst compute.Instance, fail bool) {
	t.Helper()
	body := fmt.Sprintf(`{"fail":%v}`, fail)
	resp, err := httpClient.Post("http://"+inst.Address+"/admin/health", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("admin/health answered %d", resp.StatusCode)
	}
}

func TestIntegrationUnhealthyTargetLeavesRotationAndComesBack(t *testing.T) {
	s, lbr, insts := setup(t)
	sick := insts[1]
	setHealth(t, sick, true)
	start := time.Now()
	waitStates(t, s.Client, "web", map[string]string{sick.ID: "unhealthy"})
	t.Logf("unhealthy after %s (fast profile: threshold 2 x interval 1s, timeout 500ms)", time.Since(start).Round(10*time.Millisecond))
	ts, _ := s.Client.Targets(context.Background(), "web")
	for _, x := range ts {
		if x.ID == sick.ID && x.Reason != "Target.ResponseCodeMismatch" {
			t.Errorf("unhealthy reason %q, want Target.ResponseCodeMismatch", x.Reason)
		}
	}
	for range 60 {
		if _, target := getVia(t, lbr.Address); target == sick.ID {
			t.Fatalf("an unhealthy target got a request")
		}
	}
	setHealth(t, sick, false)
	waitStates(t, s.Client, "web", map[string]string{sick.ID: "healthy"})
	seen := false
	for range 30 {
		if _, target := getVia(t, lbr.Address); target == sick.ID {
			seen = true
		}
	}
	if !seen {
		t.Fatalf("the recovered target got no traffic back")
	}
}

func TestIntegrationTerminateUnderLoadFailsNoRequest(t *testing.T) {
	s, lbr, insts := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A constant open-loop stream: 100 requests a second, at most 10 s.
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	stopAt := time.Now().Add(10 * time.Second)
	go func() {
		for now := range tick.C {
			if ctx.Err() != nil || now.After(stopAt) {
				return
			}
			wg.Add(1)
			sent.Add(1)
			go func() {
				defer wg.Done()
				resp, err := httpClient.Get("http://" + lbr.Address + "/")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}()
		}
	}()

	// Slow requests on the instance to go keep requests in flight when it
	// is deregistered: they must finish, and it drains while they do.
	resp, err := httpClient.Post("http://"+insts[0].Address+"/admin/latency", "application/json", bytes.NewBufferString(`{"latency":"700ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	time.Sleep(2 * time.Second)
	states := terminateWatchingTarget(t, s, insts[0].ID)
	time.Sleep(2 * time.Second)
	cancel()
	wg.Wait()
	if !states["draining"] {
		t.Errorf("the terminated target was never seen draining: %v", states)
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed while an instance was terminated; first: %v", failed.Load(), sent.Load(), firstErr.Load())
	}
	if sent.Load() < 300 {
		t.Fatalf("only %d requests were sent: the load did not run through the termination", sent.Load())
	}
	t.Logf("%d requests, 0 failed, terminated target went through %v", sent.Load(), states)
	inst, err := s.Client.Instance(context.Background(), insts[0].ID)
	if err != nil || inst.State != compute.StateTerminated {
		t.Fatalf("instance after terminate: %v %v", inst.State, err)
	}
}

// terminateWatchingTarget terminates instance id and returns every state
// its target of load balancer web was seen in until the call returned.
func terminateWatchingTarget(t *testing.T, s *emulatortest.Sandbox, id string) map[string]bool {
	t.Helper()
	states := map[string]bool{}
	done := make(chan error, 1)
	go func() {
		_, err := s.Client.Terminate(context.Background(), id)
		done <- err
	}()
	for polling := true; polling; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			polling = false
		case <-time.After(50 * time.Millisecond):
			for target, st := range targetStates(t, s.Client, "web") {
				if target == id {
					states[st] = true
				}
			}
		}
	}
	return states
}
