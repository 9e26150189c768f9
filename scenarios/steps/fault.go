package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[fault]("fault",
		scenarios.Doc("turn a demo-app fault on (or clear them) through its admin endpoints: latency, error_rate, fail_health, crash",
			"fault: {instance: $web.0, latency: 200ms, error_rate: 10%}"))
}

type fault struct {
	pick       `yaml:",inline"`
	Latency    *scenarios.Duration `yaml:"latency" default:"unchanged"`
	ErrorRate  *scenarios.Fraction `yaml:"error_rate" default:"unchanged"`
	FailHealth *bool               `yaml:"fail_health" default:"unchanged"`
	Crash      bool                `yaml:"crash" default:"false"`
	// Clear turns latency, errors and the failing health check off.
	Clear bool           `yaml:"clear" default:"false"`
	As    scenarios.Name `yaml:"as" default:"none: not saved"`
}

func (f *fault) Validate() error {
	if err := f.pick.validate(); err != nil {
		return err
	}
	if f.Latency == nil && f.ErrorRate == nil && f.FailHealth == nil && !f.Crash && !f.Clear {
		return fmt.Errorf("name a fault: latency, error_rate, fail_health, crash or clear")
	}
	if f.Clear && (f.Latency != nil || f.ErrorRate != nil || f.FailHealth != nil) {
		return scenarios.FieldError("clear", "clear turns every fault off: do not set others beside it")
	}
	return nil
}

// adminCall is one request to a demo app's admin endpoint.
type adminCall struct {
	path string
	body any
	what string
}

func (f *fault) calls() []adminCall {
	var out []adminCall
	if f.Clear {
		zero, no := scenarios.Duration(0), false
		rate := scenarios.Fraction(0)
		f = &fault{Latency: &zero, ErrorRate: &rate, FailHealth: &no}
	}
	if f.Latency != nil {
		out = append(out, adminCall{"/admin/latency", map[string]string{"latency": f.Latency.String()}, "latency " + f.Latency.String()})
	}
	if f.ErrorRate != nil {
		out = append(out, adminCall{"/admin/error-rate", map[string]float64{"rate": float64(*f.ErrorRate)}, fmt.Sprintf("error rate %g", float64(*f.ErrorRate))})
	}
	if f.FailHealth != nil {
		out = append(out, adminCall{"/admin/health", map[string]bool{"fail": *f.FailHealth}, fmt.Sprintf("failing health check %t", *f.FailHealth)})
	}
	if f.Crash {
		out = append(out, adminCall{"/admin/crash", nil, "crash"})
	}
	return out
}

func (f *fault) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := f.resolve(ctx, r)
	if err != nil {
		return err
	}
	r.Save(string(f.As), scenarios.IDs(insts))
	for _, i := range insts {
		var done []string
		for _, c := range f.calls() {
			if err := postAdmin(ctx, r.HTTP, i, c); err != nil {
				return err
			}
			done = append(done, c.what)
		}
		if f.Clear {
			done = []string{"faults cleared"}
		}
		r.Notef("%s (%s): %s", i.ID, i.Zone, strings.Join(done, ", "))
	}
	return nil
}

func postAdmin(ctx context.Context, client *http.Client, i compute.Instance, c adminCall) error {
	if i.Address == "" {
		return fmt.Errorf("%s has no published address: its template needs a port", i.ID)
	}
	var body io.Reader = http.NoBody
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+i.Address+c.path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("setting %s on %s: %w", c.what, i.ID, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("setting %s on %s: the demo app answered %s: %s", c.what, i.ID, resp.Status, bytes.TrimSpace(answer))
	}
	return nil
}
