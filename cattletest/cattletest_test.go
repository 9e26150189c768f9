package cattletest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/cattletest"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// TestMain leaves the examples out under -short: they run on the real
// engine, and `make unit` needs none.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		skip := "^Example"
		if given := flag.Lookup("test.skip").Value.String(); given != "" {
			skip = given + "|" + skip
		}
		_ = flag.Set("test.skip", skip)
	}
	os.Exit(m.Run())
}

const panicEnv = "CATTLETEST_PANIC_TEST"

// TestPanickingTest is run by TestIntegrationStartCleansUpAfterAPanic in a
// process of its own: it starts a sandbox, launches an instance, and
// panics.
func TestPanickingTest(t *testing.T) {
	if os.Getenv(panicEnv) == "" {
		t.Skip("run by TestIntegrationStartCleansUpAfterAPanic")
	}
	sb := cattletest.Start(t)
	fmt.Printf("sandbox=%s\n", sb.Name())
	ctx := context.Background()
	_, err := sb.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web",
		TemplateData: compute.TemplateData{Image: "builtin/demo", Port: 8080}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Count: 1}); err != nil {
		t.Fatal(err)
	}
	panic("the test panics with an instance running")
}

// A test that panics still gets its sandbox removed: t.Cleanup runs on the
// test goroutine's panic. Nothing carrying the sandbox's label is left.
func TestIntegrationStartCleansUpAfterAPanic(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPanickingTest$", "-test.count=1")
	cmd.Env = append(os.Environ(), panicEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "the test panics with an instance running") {
		t.Fatalf("the panicking test: want it to fail with its panic, got %v:\n%s", err, out)
	}
	m := regexp.MustCompile(`sandbox=(\S+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("the panicking test printed no sandbox name:\n%s", out)
	}
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	labels := map[string]string{sandbox.LabelSandbox: m[1]}
	ctx := context.Background()
	cs, err := rt.List(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	nets, err := rt.ListNetworks(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) > 0 || len(nets) > 0 {
		t.Errorf("sandbox %s left %d containers and %d networks after the panic:\n%s", m[1], len(cs), len(nets), out)
	}
}
