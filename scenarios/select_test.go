package scenarios_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

// fakeInstances serves a fixed instance listing, as the daemon would.
func fakeInstances(t *testing.T, insts ...compute.Instance) *api.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/instances" {
			http.NotFound(w, req)
			return
		}
		_ = json.NewEncoder(w).Encode(insts)
	}))
	t.Cleanup(srv.Close)
	return api.NewHTTPClient(strings.TrimPrefix(srv.URL, "http://"), "")
}

// A pick of no instance is an error everywhere, so that no step acts on or
// checks nothing and passes.
func TestEmptyPickIsAnError(t *testing.T) {
	client := fakeInstances(t,
		compute.Instance{ID: "i-00000000000000001", State: compute.StateRunning, Template: "web"},
		compute.Instance{ID: "i-00000000000000002", State: compute.StateStopped, Template: "web"},
		compute.Instance{ID: "i-00000000000000003", State: compute.StateStopped, Template: "api"},
	)
	sc, err := scenarios.Parse("e.yaml", []byte("steps:\n  - expect: {event: instance.state, about: \"template:api\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := scenarios.NewRun(sc, scenarios.RunConfig{Client: client})
	ref := func(s string) scenarios.InstanceRef {
		ref, err := scenarios.ParseInstanceRef(s)
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}

	if insts, err := r.Instances(ctx, ref("template:web")); err != nil || len(insts) != 1 || insts[0].ID != "i-00000000000000001" {
		t.Errorf("template:web picks %v, %v; want the running one", insts, err)
	}
	if _, err := r.Instances(ctx, ref("template:api")); err == nil || !strings.Contains(err.Error(), "template:api picks no running instance (1 in other states)") {
		t.Errorf("template:api: %v", err)
	}
	// An id picks the instance in whatever state; only running ones are running.
	if insts, err := r.Instances(ctx, ref("i-00000000000000002")); err != nil || len(insts) != 1 {
		t.Errorf("id of a stopped instance picks %v, %v", insts, err)
	}
	if _, err := r.RunningInstances(ctx, ref("i-00000000000000002")); err == nil || !strings.Contains(err.Error(), "picks no running instance") {
		t.Errorf("running among a stopped instance: %v", err)
	}
	if _, err := r.OneInstance(ctx, ref("zone:zone-z")); err == nil || !strings.Contains(err.Error(), "picks no running instance") {
		t.Errorf("one of none: %v", err)
	}
	// `about:` that picks nothing must not match events about anything.
	if err := sc.Steps[0].Exec.Execute(ctx, r); err == nil || !strings.Contains(err.Error(), "template:api picks no running instance") {
		t.Errorf("event about nothing: %v", err)
	}
}
