package steps

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectResponds]("instance_responds", "instance",
		scenarios.Checks("responds"),
		scenarios.Doc("an instance's workload answers a path with a 2xx or 3xx status (running is not the same as ready)",
			"expect: {instance: $web, responds: /healthz, within: 10s}"))
}

type expectResponds struct {
	Instance scenarios.InstanceRef `yaml:"instance,required"`
	Responds string                `yaml:"responds,required"`
}

func (e *expectResponds) Validate() error {
	if !strings.HasPrefix(e.Responds, "/") {
		return scenarios.FieldError("responds", "responds names a path, starting with /")
	}
	return nil
}

func (e *expectResponds) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := r.Instances(ctx, e.Instance)
	if err != nil {
		return err
	}
	for _, i := range insts {
		if i.Address == "" {
			return fmt.Errorf("%s (%s) has no published address", i.ID, i.State)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+i.Address+e.Responds, nil)
		if err != nil {
			return err
		}
		resp, err := r.HTTP.Do(req)
		if err != nil {
			return fmt.Errorf("%s does not answer %s: %v", i.ID, e.Responds, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return fmt.Errorf("%s answers %s with %s", i.ID, e.Responds, resp.Status)
		}
	}
	r.Notef("%d instance(s) answer %s", len(insts), e.Responds)
	return nil
}
