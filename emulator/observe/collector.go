package observe

import (
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/lb"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	lbRequests    = desc("cattle_lb_requests_total", "Requests a load balancer finished.", "lb")
	lbResponses   = desc("cattle_lb_responses_total", "Responses a load balancer sent, by status class (2xx, 5xx...).", "lb", "class")
	lbErrors      = desc("cattle_lb_errors_total", "Requests that ended in an error of the load balancer's (no_targets, connect, timeout, target_error) or in the client going away (client_cancel).", "lb", "cause")
	lbConns       = desc("cattle_lb_active_connections", "Client connections open now.", "lb")
	lbLatency     = desc("cattle_lb_request_duration_seconds", "Time from a request to the end of its response, through the load balancer.", "lb")
	lbTargetReqs  = desc("cattle_lb_target_requests_total", "Requests a load balancer sent to a target.", "lb", "target")
	lbTargetResps = desc("cattle_lb_target_responses_total", "Responses to requests sent to a target, by status class.", "lb", "target", "class")
	lbTargetErrs  = desc("cattle_lb_target_errors_total", "Requests sent to a target that ended in an error, by cause.", "lb", "target", "cause")
	lbTargetAct   = desc("cattle_lb_target_active_requests", "Requests in flight to a target now.", "lb", "target")
	lbTargets     = desc("cattle_lb_targets", "Targets of a load balancer, by health state (healthy, unhealthy, initial, draining, unused).", "lb", "state")

	groupDesired   = desc("cattle_group_desired_instances", "A group's desired capacity.", "group")
	groupMin       = desc("cattle_group_min_instances", "A group's minimum size.", "group")
	groupMax       = desc("cattle_group_max_instances", "A group's maximum size.", "group")
	groupInService = desc("cattle_group_in_service_instances", "A group's instances in service.", "group")
	groupPending   = desc("cattle_group_pending_instances", "A group's instances launched but not yet in service.", "group")
	groupByVersion = desc("cattle_group_instances", "A group's live instances, by launch template and version.", "group", "template", "version")
	refreshPercent = desc("cattle_refresh_percent_complete", "Percent complete of a group's latest instance refresh.", "group")
	refreshStatus  = desc("cattle_refresh_status", "1 for the status of a group's latest instance refresh (InProgress, Successful, Failed...).", "group", "status")
	refreshActive  = desc("cattle_refresh_in_progress", "1 while a group's instance refresh has not ended.", "group")
)

var targetStates = []lb.TargetState{lb.StateHealthy, lb.StateUnhealthy, lb.StateInitial, lb.StateDraining, lb.StateUnused}

// stateCollector reads the sandbox's current state at each scrape.
type stateCollector struct{ m *Metrics }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lbRequests, lbResponses, lbErrors, lbConns, lbLatency, lbTargetReqs, lbTargetResps,
		lbTargetErrs, lbTargetAct, lbTargets, groupDesired, groupMin, groupMax, groupInService, groupPending, groupByVersion,
		refreshPercent, refreshStatus, refreshActive} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	st, err := c.m.readState()
	if err != nil {
		slog.Warn("metrics: reading the sandbox's state", "err", err)
		return
	}
	for _, l := range st.lbs {
		collectLB(ch, l)
	}
	for _, g := range st.groups {
		r, ok := st.refreshes[g.Name]
		collectGroup(ch, g, r, ok)
	}
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v int64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v int64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
}

func collectLB(ch chan<- prometheus.Metric, l lbState) {
	counts := map[string]int64{}
	for _, t := range l.targets {
		counts[t.State]++
	}
	for _, s := range targetStates {
		gauge(ch, lbTargets, counts[string(s)], l.Name, string(s))
	}
	if !l.running {
		return
	}
	st := l.stats
	counter(ch, lbRequests, st.Requests, l.Name)
	for class, n := range st.Responses {
		counter(ch, lbResponses, n, l.Name, class)
	}
	for cause, n := range st.Errors {
		counter(ch, lbErrors, n, l.Name, cause)
	}
	gauge(ch, lbConns, st.ActiveConnections, l.Name)
	ch <- latencyHistogram(l.Name, st.Latency)
	for id, t := range st.Targets {
		counter(ch, lbTargetReqs, t.Requests, l.Name, id)
		for class, n := range t.Responses {
			counter(ch, lbTargetResps, n, l.Name, id, class)
		}
		for cause, n := range t.Errors {
			counter(ch, lbTargetErrs, n, l.Name, id, cause)
		}
		gauge(ch, lbTargetAct, t.Active, l.Name, id)
	}
}

// latencyHistogram turns the engine's histogram (four buckets per
// doubling) into a Prometheus one with a bucket per doubling, 100µs to
// about 13s: cumulative counts at those bounds are exact.
func latencyHistogram(name string, h lb.Histogram) prometheus.Metric {
	buckets := map[float64]uint64{}
	var cum uint64
	for i, b := range h.Bounds {
		cum += uint64(h.Counts[i])
		if i%4 == 0 {
			buckets[b.Seconds()] = cum
		}
	}
	return prometheus.MustNewConstHistogram(lbLatency, uint64(h.Count), h.Sum.Seconds(), buckets, name)
}

func collectGroup(ch chan<- prometheus.Metric, g autoscaling.GroupDetail, r autoscaling.Refresh, hasRefresh bool) {
	gauge(ch, groupDesired, int64(g.Desired), g.Name)
	gauge(ch, groupMin, int64(g.Min), g.Name)
	gauge(ch, groupMax, int64(g.Max), g.Name)
	gauge(ch, groupInService, int64(g.Healthy), g.Name)
	gauge(ch, groupPending, int64(pending(g)), g.Name)
	type tv struct {
		template string
		version  int
	}
	byVersion := map[tv]int64{}
	for _, i := range g.Instances {
		byVersion[tv{i.Template, i.TemplateVersion}]++
	}
	for k, n := range byVersion {
		gauge(ch, groupByVersion, n, g.Name, k.template, strconv.Itoa(k.version))
	}
	if !hasRefresh {
		return
	}
	gauge(ch, refreshPercent, int64(r.PercentComplete), g.Name)
	gauge(ch, refreshStatus, 1, g.Name, r.Status)
	active := int64(0)
	if !autoscaling.Done(r.Status) {
		active = 1
	}
	gauge(ch, refreshActive, active, g.Name)
}
