package cattletest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cattle-dev/cattle/cattletest"
)

// rollout is a scenario for the application's own image (IMAGE): two
// instances of v1 behind a load balancer, v2 rolled out by instance refresh
// under steady load (launch first, then terminate), and not one request
// failing.
const rollout = `
name: app-rollout
timeout: 4m
setup:
  templates:
    - {name: app, image: IMAGE, port: 8080, health: {path: /healthz}, env: {APP_VERSION: v1}}
  load_balancers:
    - {name: app, health_check: {path: /healthz}}
  groups:
    - {name: app, template: app, min: 2, max: 4, desired: 2, load_balancer: app, max_healthy: 200}
steps:
  - expect: {load_balancer: app, healthy: 2, within: 60s}
  - load: {name: traffic, target: app, rate: 50/s}
  - template_version: {template: app, env: {APP_VERSION: v2}}
  - name: refresh
    refresh: {group: app, template_version: 2, min_healthy: 100, max_healthy: 200, wait: true}
  - wait: 2s # traffic after the refresh, for the check since it
  - stop_load: traffic
  - expect: {load: traffic, errors: 0}
  - expect: {load: traffic, versions: [v2], since: refresh}
`

// buildApp builds the application (a static Go binary) and an image of
// it FROM scratch, in the engine as ref.
func buildApp(ctx context.Context, sb *cattletest.Sandbox, ref string) error {
	dir, err := os.MkdirTemp("", "app-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "app"), "./testdata/app")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	return sb.BuildImage(ctx, ref, dir)
}

// An application's own image, built in the test, rolled out from v1 to v2
// under load by instance refresh, with zero failed requests. In a test,
// cattletest.Start(t) does what New and Close do here.
func ExampleSandbox_RunScenario() {
	ctx := context.Background()
	sb, err := cattletest.New(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()

	image := sb.Name() + "-app:v1"
	if err := buildApp(ctx, sb, image); err != nil {
		fmt.Println(err)
		return
	}
	res, err := sb.RunScenario(ctx, strings.ReplaceAll(rollout, "IMAGE", image))
	if err != nil {
		fmt.Println(err)
		return
	}
	load := res.Loads[0].Summary
	fmt.Printf("passed: %v, v2 answered: %v, failed requests: %d\n", res.Passed, load.Versions["v2"] > 0, load.Errors)
	// Output: passed: true, v2 answered: true, failed requests: 0
}
