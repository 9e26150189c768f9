package runner

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/scenarios/loadgen"
	"github.com/cattle-dev/cattle/store"
)

// A journal becomes a page: the refresh named after its step, the fault
// and the failed step marked, the load's versions charted, the verdict
// said as the timeline says it.
func TestWriteHTMLFromAJournal(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	sec := func(n float64) Millis { return Millis(time.Duration(n * float64(time.Second))) }
	var recs []loadgen.Record
	for i := range 400 {
		v := "v1"
		if i >= 200 {
			v = "v2"
		}
		recs = append(recs, loadgen.Record{Start: start.Add(time.Duration(i) * 25 * time.Millisecond), Status: 200, Version: v, Latency: time.Millisecond})
	}
	res := &Result{
		Scenario: "demo", File: "demo.yaml", Started: start, Duration: sec(12),
		Steps: []StepResult{
			{Label: "step 1", Name: "roll", Title: "roll", Kind: "refresh", Source: "refresh {group: web}", Status: Passed, At: sec(1), Duration: sec(4)},
			{Label: "step 2", Title: "fault {instance: $web.0}", Kind: "fault", Source: "fault {instance: $web.0}", Status: Passed, At: sec(6),
				Notes: []string{"i-0aa (zone-a): error rate 0.5"}},
			{Label: "step 3", Name: "no errors", Title: "no errors", Kind: "load_errors", Source: "expect {load: traffic, errors: 0}", Status: Failed,
				At: sec(9), Duration: sec(1), Error: "want at most 0 errors, got 3"},
			{Label: "step 4", Title: "wait 1s", Kind: "wait", Source: "wait 1s", Status: Skipped},
		},
		Loads: []LoadResult{{Name: "traffic", URL: "http://127.0.0.1:9/", Rate: "40/s", Summary: loadgen.Summarize(recs), Records: recs}},
		Events: []store.Event{
			{Time: start.Add(1500 * time.Millisecond), Kind: "refresh.started", Resource: "group/web",
				Fields: map[string]string{"group": "web", "refresh": "rf-1"}, Message: "refresh rf-1 started on group web: web:1 -> web:2 (min healthy 90%)"},
			{Time: start.Add(5 * time.Second), Kind: "refresh.status", Resource: "group/web",
				Fields: map[string]string{"group": "web", "refresh": "rf-1", "status": "Successful"}, Message: "refresh rf-1 Successful: 2 instance(s) replaced"},
		},
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	text := checkOffline(t, page.Bytes())
	for _, want := range []string{
		"step 3 failed: no errors (2 of 4 steps passed)", `data-version="v1"`, `data-version="v2"`,
		`class="phase" data-outcome="Successful" data-step="roll"`, "refresh started: roll (web:1 -&gt; web:2)",
		"injected by step 2: fault {instance: $web.0}", "i-0aa (zone-a): error rate 0.5",
		"step 3 failed: no errors", "want at most 0 errors, got 3", `data-status="skipped"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
