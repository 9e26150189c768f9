package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterAction[startLoad]("load",
		scenarios.Doc("start background HTTP load at a fixed rate on a load balancer, an instance or a 127.0.0.1 URL; it runs until stop_load, its bounds, or the end",
			"load: {name: traffic, target: web, rate: 200/s}"))
}

type startLoad struct {
	Name     string                 `yaml:"name,required" def:"load"`
	Target   string                 `yaml:"target" ref:"load_balancer" default:"none: give target, instance or url"` // a load balancer
	Instance *scenarios.InstanceRef `yaml:"instance" default:"none: give target, instance or url"`
	URL      string                 `yaml:"url" default:"none: give target, instance or url"`
	Path     string                 `yaml:"path" default:"/"`
	Rate     scenarios.Rate         `yaml:"rate" default:"50/s"`
	Duration scenarios.Duration     `yaml:"duration" default:"none: until stop_load, requests or the end"`
	Requests int                    `yaml:"requests" default:"none: until stop_load, duration or the end"`
	Timeout  scenarios.Duration     `yaml:"timeout" default:"5s (per request)"`
}

var defaultRate = scenarios.Rate{N: 50, Per: time.Second}

func (s *startLoad) Validate() error {
	set := 0
	for _, given := range []bool{s.Target != "", s.Instance != nil, s.URL != ""} {
		if given {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("load goes to one place: give target (a load balancer), instance or url")
	}
	if s.URL != "" {
		if _, err := loadgen.CheckURL(s.URL); err != nil {
			return scenarios.FieldError("url", "%v", err)
		}
		if s.Path != "" {
			return scenarios.FieldError("path", "path goes with target or instance; put it in the url")
		}
	}
	if s.Path == "" {
		s.Path = "/"
	}
	if !strings.HasPrefix(s.Path, "/") {
		return scenarios.FieldError("path", "path %q must start with /", s.Path)
	}
	if s.Rate.N == 0 {
		s.Rate = defaultRate
	}
	if s.Requests < 0 || s.Requests > loadgen.MaxRequests {
		return scenarios.FieldError("requests", "requests is out of range: use 1-%d", loadgen.MaxRequests)
	}
	if s.Duration.D() > loadgen.MaxDuration {
		return scenarios.FieldError("duration", "duration is at most %s", loadgen.MaxDuration)
	}
	return nil
}

func (s *startLoad) Execute(ctx context.Context, r *scenarios.Run) error {
	url, what, err := s.url(ctx, r)
	if err != nil {
		return err
	}
	// The load outlives this step: it runs on the run's context.
	l, err := loadgen.Start(ctx, loadgen.Config{
		Name: s.Name, URL: url, Freq: s.Rate.N, Per: s.Rate.Per,
		Duration: s.Duration.D(), Requests: s.Requests, Timeout: s.Timeout.D(),
	})
	if err != nil {
		return err
	}
	if err := r.AddLoad(s.Name, l); err != nil {
		l.Stop()
		return err
	}
	r.Notef("load %s: %s to %s (%s)", s.Name, s.Rate, l.Config().URL, what)
	return nil
}

func (s *startLoad) url(ctx context.Context, r *scenarios.Run) (url, what string, err error) {
	switch {
	case s.URL != "":
		return s.URL, "url", nil
	case s.Instance != nil:
		i, err := r.OneInstance(ctx, *s.Instance)
		if err != nil {
			return "", "", err
		}
		if i.Address == "" {
			return "", "", fmt.Errorf("%s has no published address: its template needs a port", i.ID)
		}
		return "http://" + i.Address + s.Path, "instance " + i.ID, nil
	}
	lb, err := r.Client.LoadBalancer(ctx, s.Target)
	if err != nil {
		return "", "", err
	}
	return "http://" + lb.Address + s.Path, "load balancer " + lb.Name, nil
}
