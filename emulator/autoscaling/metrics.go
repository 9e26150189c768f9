package autoscaling

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
)

// Metrics a target tracking policy can track, named as AWS's predefined ones.
const (
	// MetricRequestCountPerTarget is the requests each target of the
	// group's load balancer is sent, per minute.
	MetricRequestCountPerTarget = "ALBRequestCountPerTarget"
	// MetricAverageCPU is the average CPU utilization of the group's
	// instances, in percent of what their instance type allows.
	MetricAverageCPU = "ASGAverageCPUUtilization"
)

// Metrics is where scaling policies read what they track.
type Metrics interface {
	// TargetRequests returns, by instance id, how many requests each target
	// of the load balancer's target group has been sent since it was
	// registered.
	TargetRequests(ctx context.Context, lbName string) (map[string]int64, error)
	// InstanceCPU returns a running instance's CPU utilization now, in
	// percent of what its instance type allows.
	InstanceCPU(ctx context.Context, inst compute.Instance) (float64, error)
}

// MetricReading is a policy's metric as it was last computed.
type MetricReading struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Instances is how many warm instances the value averages over.
	Instances int       `json:"instances"`
	At        time.Time `json:"at"`
}

// samplesPerPeriod is how many samples a metric period holds.
const samplesPerPeriod = 5

// metricPeriod is the window a metric is averaged over.
func metricPeriod(p timing.Profile) time.Duration {
	if p.MetricPeriod > 0 {
		return p.MetricPeriod
	}
	return time.Minute // CloudWatch's period
}

// sample is one reading of a group's metric, by instance id: each target's
// request counter, or each instance's CPU utilization.
type sample struct {
	at     time.Time
	values map[string]float64
}

// series is a group's samples over the last metric period, oldest first.
type series struct {
	metric  string
	samples []sample
	busy    bool      // a sample is being taken
	next    time.Time // when the next sample is due
	lastErr string    // the last sampling error, logged once
	reading *MetricReading
	// warmKey is the set of warm instances the metric last averaged over,
	// and warmSince when it became that: samples from before then saw the
	// load spread over other instances, and are left out.
	warmKey   string
	warmSince time.Time
	// alarm is the state of the policy's alarms, datapoint by datapoint.
	alarm alarms
}

// add appends x and drops the samples the period no longer needs: the
// oldest one kept is the last at or before the period's start.
func (sr *series) add(x sample, period time.Duration) {
	sr.samples = append(sr.samples, x)
	cut := x.at.Add(-period)
	i := 0
	for i+1 < len(sr.samples) && !sr.samples[i+1].at.After(cut) {
		i++
	}
	sr.samples = sr.samples[i:]
}

// perInstance is each instance's value over the window from `from`: its
// requests per minute (from its first to its last sample, after the last
// counter reset), or its mean CPU utilization.
func (sr *series) perInstance(from time.Time) map[string]float64 {
	type span struct {
		t0, t1 time.Time
		c0, c1 float64
		sum    float64
		n      int
	}
	spans := map[string]*span{}
	for _, x := range sr.samples {
		if x.at.Before(from) {
			continue
		}
		for id, v := range x.values {
			sp := spans[id]
			// A counter that went down belongs to a target registered again.
			if sp == nil || sr.metric == MetricRequestCountPerTarget && v < sp.c1 {
				spans[id] = &span{t0: x.at, t1: x.at, c0: v, c1: v, sum: v, n: 1}
				continue
			}
			sp.t1, sp.c1 = x.at, v
			sp.sum += v
			sp.n++
		}
	}
	out := map[string]float64{}
	for id, sp := range spans {
		if sr.metric == MetricRequestCountPerTarget {
			if d := sp.t1.Sub(sp.t0); d > 0 {
				out[id] = (sp.c1 - sp.c0) / d.Minutes()
			}
			continue
		}
		out[id] = sp.sum / float64(sp.n)
	}
	return out
}

// span is the time the samples taken from `from` on cover.
func (sr *series) span(from time.Time) time.Duration {
	var first, last time.Time
	for _, x := range sr.samples {
		if x.at.Before(from) {
			continue
		}
		if first.IsZero() {
			first = x.at
		}
		last = x.at
	}
	return last.Sub(first)
}

// sampleIfDue starts taking a sample of the group's metric when one is
// due, in the background (reading CPU takes the engine a second); it
// returns when the next one is due.
func (s *Service) sampleIfDue(ctx context.Context, v groupView, now time.Time) time.Time {
	g := v.group
	period := metricPeriod(s.profile)
	s.mu.Lock()
	sr := s.series[g.Name]
	if sr == nil || sr.metric != g.Policy.Metric {
		sr = &series{metric: g.Policy.Metric}
		s.series[g.Name] = sr
	}
	if sr.busy || now.Before(sr.next) {
		next := sr.next
		s.mu.Unlock()
		return next
	}
	sr.busy, sr.next = true, now.Add(period/samplesPerPeriod)
	next := sr.next
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		values, err := s.readMetric(ctx, g, v.members)
		s.mu.Lock()
		sr.busy = false
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			sr.add(sample{at: s.clock.Now(), values: values}, period)
		}
		logIt := msg != sr.lastErr && msg != "" && ctx.Err() == nil
		sr.lastErr = msg
		s.mu.Unlock()
		if logIt {
			slog.Warn("autoscaling: reading a policy's metric", "group", g.Name, "metric", g.Policy.Metric, "err", err)
		}
		s.Notify()
	}()
	return next
}

// readMetric reads the metric of every instance of the group once.
func (s *Service) readMetric(ctx context.Context, g Group, members []member) (map[string]float64, error) {
	if g.Policy.Metric == MetricRequestCountPerTarget {
		counts, err := s.metrics.TargetRequests(ctx, g.LoadBalancer)
		values := make(map[string]float64, len(counts))
		for id, n := range counts {
			values[id] = float64(n)
		}
		return values, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	values := map[string]float64{}
	for _, m := range members {
		if m.State != compute.StateRunning {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// An instance that went meanwhile simply has no value.
			if cpu, err := s.metrics.InstanceCPU(ctx, m.Instance); err == nil {
				mu.Lock()
				values[m.ID] = cpu
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return values, ctx.Err()
}

// reading computes the metric over the warm instances from the samples of
// the last period taken since those instances were the warm ones, and
// keeps it for inspect. ok is false until such samples span half a period.
func (s *Service) reading(g Group, warm []string, now time.Time) (MetricReading, bool) {
	period := metricPeriod(s.profile)
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.series[g.Name]
	if sr == nil {
		return MetricReading{}, false
	}
	warm = slices.Sorted(slices.Values(warm))
	if key := strings.Join(warm, ","); key != sr.warmKey {
		sr.warmKey, sr.warmSince = key, now
	}
	// One extra sampling interval: the oldest sample kept starts the period.
	from := now.Add(-period - period/samplesPerPeriod)
	if sr.warmSince.After(from) {
		from = sr.warmSince
	}
	if sr.span(from) < period/2 {
		sr.reading = nil
		return MetricReading{}, false
	}
	per := sr.perInstance(from)
	r := MetricReading{Metric: sr.metric, At: now.UTC()}
	sum := 0.0
	for _, id := range warm {
		if v, ok := per[id]; ok {
			sum += v
			r.Instances++
		}
	}
	if r.Instances == 0 {
		sr.reading = nil
		return r, false
	}
	r.Value = sum / float64(r.Instances)
	sr.reading = &r
	return r, true
}

// lastReading is the group's metric as last computed, for inspect.
func (s *Service) lastReading(group string) *MetricReading {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr := s.series[group]; sr != nil && sr.reading != nil {
		r := *sr.reading
		return &r
	}
	return nil
}

// forgetSeries drops the samples of groups that no longer track a metric.
func (s *Service) forgetSeries(tracked map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, sr := range s.series {
		if !tracked[name] && !sr.busy {
			delete(s.series, name)
		}
	}
}
