package cattletest_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/cattletest"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// The client's operations as a user's test calls them: a template, a load
// balancer and a group of one, version 2 rolled out with RefreshAndWait and
// answering at LoadBalancerURL; then a scenario file that fails, whose
// error names the failed step; then Close, twice.
func TestIntegrationSandboxOperations(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	t.Parallel()
	name := "ct-ops-" + time.Now().Format("150405")
	sb := cattletest.Start(t, cattletest.WithName(name), cattletest.WithTiming("fast"),
		cattletest.WithBinary(testutil.CattleBinary(t)))
	if sb.Name() != name || !strings.HasPrefix(sb.StateDir(), filepath.Dir(t.TempDir())) {
		t.Errorf("sandbox %s in %s: want %s in the test's temporary directory", sb.Name(), sb.StateDir(), name)
	}
	if resp, err := http.Get("http://" + sb.RegistryAddr() + "/v2/"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the registry at %s does not answer its API's base: %v", sb.RegistryAddr(), err)
	} else {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	setUpGroup(ctx, t, sb)
	url, err := sb.LoadBalancerURL(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "v1 answering at "+url, 90*time.Second, func() bool { return answers(url, "v1") })

	_, err = sb.CreateVersion(ctx, "web", api.CreateVersionRequest{
		TemplateData: compute.TemplateData{Env: map[string]string{"DEMO_VERSION": "v2"}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sb.RefreshAndWait(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "2"})
	if err != nil || r.PercentComplete != 100 {
		t.Fatalf("refresh to version 2: %v (%d%% complete)", err, r.PercentComplete)
	}
	testutil.WaitFor(t, "v2 answering at "+url, 30*time.Second, func() bool { return answers(url, "v2") })

	res, err := sb.RunScenarioFile(ctx, "testdata/two-instances.yaml")
	if err == nil || res == nil || res.Passed {
		t.Fatalf("a scenario that cannot pass: got error %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "scenario two-instances failed: step 2") {
		t.Errorf("the error does not name the failed step:\n%s", msg)
	}
	// A test may close its sandbox itself; t.Cleanup's Close then does nothing.
	for range 2 {
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	}
}

func setUpGroup(ctx context.Context, t *testing.T, sb *cattletest.Sandbox) {
	t.Helper()
	_, err := sb.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Env: map[string]string{"DEMO_VERSION": "v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	req := api.CreateLoadBalancerRequest{Name: "web"}
	req.HealthCheck.Path = "/healthz"
	if _, err := sb.CreateLoadBalancer(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err = sb.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 1, Max: 2, LoadBalancer: "web"})
	if err != nil {
		t.Fatal(err)
	}
}

// answers says whether url answers 200 with version in its body.
func answers(url, version string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.Contains(string(b), version)
}
