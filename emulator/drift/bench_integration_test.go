package drift_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// TestIntegrationBenchDriftScan50 times a drift scan of 50 instances
// against 50 sequential `docker diff` calls (the engine's container
// changes) in the same run: the scan reads them concurrently, bounded, so
// it should take no longer than the sequential calls alone (the target
// is a ratio of at most 1.0). Only with CATTLE_BENCH=1 (make bench); it
// prints what it measures and asserts no timing.
func TestIntegrationBenchDriftScan50(t *testing.T) {
	if os.Getenv("CATTLE_BENCH") != "1" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	const n = 50
	s := emulatortest.Start(t)
	ctx := context.Background()
	data := compute.TemplateData{Image: "builtin/demo", Port: 8080, InstanceType: "t3.nano"}
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "bench", TemplateData: data}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.Client.RunInstances(ctx, api.RunInstancesRequest{Template: "bench", Count: n})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if i.State != compute.StateRunning {
			t.Fatalf("%s is %s: %s", i.ID, i.State, i.StateReason)
		}
	}
	// Warm both paths once (image and template lookups, engine caches).
	if _, err := s.Client.ScanDrift(ctx, ""); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, i := range insts {
		if _, err := s.Runtime.Changes(ctx, i.ContainerID); err != nil {
			t.Fatal(err)
		}
	}
	sequential := time.Since(start)
	start = time.Now()
	rep, err := s.Client.ScanDrift(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	scan := time.Since(start)
	if rep.Summary.Total != n || rep.Drifted() {
		t.Fatalf("scan of %d untouched instances: %+v", n, rep.Summary)
	}
	ratio := float64(scan) / float64(sequential)
	fmt.Printf("drift scan of %d instances: %s; %d sequential docker diff: %s; ratio %.2fx (target <= 1.0x)\n",
		n, scan.Round(time.Millisecond), n, sequential.Round(time.Millisecond), ratio)
	testutil.RecordBench(t, testutil.BenchSeconds(fmt.Sprintf("drift-scan-%d", n), "sequential docker diff", scan, sequential, 1.0))
}
