package drift

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/images"
)

// The demo app's faults are settings changed at run time through its
// admin endpoints: what it answers on GET /admin/faults against what its
// environment launched it with is configuration drift (fields app.*). An
// app that does not answer is left to the health checks: no false alarm.
var appClient = &http.Client{Timeout: time.Second}

type appFaults struct {
	Latency    string  `json:"latency"`
	ErrorRate  float64 `json:"error_rate"`
	FailHealth bool    `json:"fail_health"`
}

func appDifferences(ctx context.Context, e expectation) []Difference {
	inst := e.inst
	if inst.Image != images.DemoImageName || inst.Address == "" || inst.State != compute.StateRunning {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+inst.Address+"/admin/faults", nil)
	if err != nil {
		return nil
	}
	resp, err := appClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var got appFaults
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
		return nil
	}
	want := launchedFaults(e.version.Env)
	var out []Difference
	if d, err := time.ParseDuration(got.Latency); err == nil && d.String() != want.Latency {
		out = append(out, Difference{Kind: KindConfig, Field: "app.latency", Expected: want.Latency, Actual: d.String(), Change: ChangeModify})
	}
	if got.ErrorRate != want.ErrorRate {
		out = append(out, Difference{Kind: KindConfig, Field: "app.error_rate", Expected: strconv.FormatFloat(want.ErrorRate, 'g', -1, 64),
			Actual: strconv.FormatFloat(got.ErrorRate, 'g', -1, 64), Change: ChangeModify})
	}
	if got.FailHealth != want.FailHealth {
		out = append(out, Difference{Kind: KindConfig, Field: "app.fail_health", Expected: strconv.FormatBool(want.FailHealth),
			Actual: strconv.FormatBool(got.FailHealth), Change: ChangeModify})
	}
	return out
}

// launchedFaults are the faults the demo app starts with, from its env.
func launchedFaults(env map[string]string) appFaults {
	f := appFaults{Latency: "0s"}
	if d, err := time.ParseDuration(env["DEMO_LATENCY"]); err == nil {
		f.Latency = d.String()
	}
	if r, err := strconv.ParseFloat(env["DEMO_ERROR_RATE"], 64); err == nil {
		f.ErrorRate = r
	}
	if b, err := strconv.ParseBool(env["DEMO_FAIL_HEALTH"]); err == nil {
		f.FailHealth = b
	}
	return f
}
