package observe

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/store"
)

// Metrics is the daemon's Prometheus registry: its own, not the process's
// default, so that two daemons in one test binary never mix.
type Metrics struct {
	src Source
	reg *prometheus.Registry

	// The group counters follow the event log from the daemon's start.
	mu          sync.Mutex
	seen        uint64
	launches    *prometheus.CounterVec
	launchFails *prometheus.CounterVec
	terms       *prometheus.CounterVec
	replaces    *prometheus.CounterVec

	apiRequests *prometheus.CounterVec
	apiDuration *prometheus.HistogramVec
}

// NewMetrics makes the registry; its gauges read src when scraped.
func NewMetrics(src Source) *Metrics {
	m := &Metrics{src: src, reg: prometheus.NewRegistry()}
	m.seen, _ = src.DB.LastEventSeq()
	m.launches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cattle_group_launches_total",
		Help: "Instances a group launched since the daemon started, by cause (capacity, refresh)."}, []string{"group", "cause"})
	m.launchFails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cattle_group_launch_failures_total",
		Help: "Launches a group tried that failed, since the daemon started."}, []string{"group"})
	m.terms = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cattle_group_terminations_total",
		Help: "Instances a group terminated since the daemon started, by cause (capacity, refresh, unhealthy)."}, []string{"group", "cause"})
	m.replaces = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cattle_group_replacements_total",
		Help: "Instances a group replaced since the daemon started, by cause (unhealthy, refresh)."}, []string{"group", "cause"})
	m.apiRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cattle_api_requests_total",
		Help: "API requests answered, by method, route and status code."}, []string{"method", "route", "code"})
	m.apiDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cattle_api_request_duration_seconds",
		Help: "Time to answer an API request, by method and route.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)},
		[]string{"method", "route"})
	m.reg.MustRegister(m.launches, m.launchFails, m.terms, m.replaces, m.apiRequests, m.apiDuration,
		&stateCollector{m: m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format. The group
// counters catch up with the event log before the registry is read
// (collectors run concurrently: counted during the read, they would show
// only at the next scrape).
func (m *Metrics) Handler() http.Handler {
	g := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		m.catchUp()
		return m.reg.Gather()
	})
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// catchUp counts the group events appended since the last scrape.
func (m *Metrics) catchUp() {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs, err := m.src.DB.Events(m.seen, 0)
	if err != nil {
		slog.Warn("metrics: reading the event log", "err", err)
		return
	}
	for _, e := range evs {
		m.seen = e.Seq
		m.count(e)
	}
}

func (m *Metrics) count(e store.Event) {
	g := e.Fields["group"]
	if g == "" {
		return
	}
	switch e.Kind {
	case autoscaling.EventLaunch:
		m.launches.WithLabelValues(g, "capacity").Add(launched(e))
	case autoscaling.EventRefreshLaunch:
		m.launches.WithLabelValues(g, "refresh").Add(launched(e))
	case autoscaling.EventLaunchFailed:
		m.launchFails.WithLabelValues(g).Inc()
	case autoscaling.EventTerminate:
		m.terms.WithLabelValues(g, "capacity").Inc()
	case autoscaling.EventRefreshTerminate:
		m.terms.WithLabelValues(g, "refresh").Inc()
		m.replaces.WithLabelValues(g, "refresh").Inc()
	case autoscaling.EventReplace:
		m.terms.WithLabelValues(g, "unhealthy").Inc()
		m.replaces.WithLabelValues(g, "unhealthy").Inc()
	}
}

// launched is how many instances a launch event tells of: one event
// names every instance of one launch, and counts them.
func launched(e store.Event) float64 {
	if n, err := strconv.Atoi(e.Fields["count"]); err == nil && n > 0 {
		return float64(n)
	}
	return 1
}

// Instrument counts and times the API's requests. The route label is the
// route's pattern ("/v1/groups/{name}"), never the path a client sent, and
// a method the API does not know is "other": no label grows with input.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		method, route := routeOf(r)
		m.apiRequests.WithLabelValues(method, route, strconv.Itoa(rec.code)).Inc()
		m.apiDuration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	})
}

func routeOf(r *http.Request) (method, route string) {
	route = r.Pattern
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path
	}
	if route == "" || route == "/" {
		route = "unmatched"
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return r.Method, route
	}
	return "other", route
}

// statusRecorder keeps the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.written {
		s.code, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

// Flush lets a streaming handler (a bake's progress) flush through.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap serves http.ResponseController.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// scrapeTimeout bounds the state a scrape reads.
const scrapeTimeout = 10 * time.Second

func (m *Metrics) readState() (state, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	return m.src.read(ctx)
}
