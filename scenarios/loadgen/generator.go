// Package loadgen sends open-loop HTTP load at a fixed rate to a loopback
// address and records every answer: its status, its latency, and the
// instance and version that gave it. Pacing is vegeta's: a request goes out
// on schedule whether or not earlier ones have answered, so a slow or dead
// target shows up as errors and latency rather than as a lower rate.
package loadgen

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/cattle-dev/cattle/lb/lbheader"
)

// Hard bounds on one load, whatever a scenario asks for.
const (
	MaxDuration    = time.Hour
	MaxRequests    = 500_000
	DefaultTimeout = 5 * time.Second
	maxBodyRead    = 4 << 10
	maxErrorLength = 200
	headerInstance = "X-Instance-Id"
	headerVersion  = "X-Demo-Version"
	loadUserAgent  = "cattle-scenario-load"
	initialWorkers = 8
)

// Config describes one load.
type Config struct {
	Name string
	URL  string // http://127.0.0.1:PORT/PATH
	// Freq requests every Per: 200 every second.
	Freq int
	Per  time.Duration
	// Duration bounds the load (0: until stopped, at most MaxDuration).
	Duration time.Duration
	// Requests bounds the count (0: no bound but MaxRequests).
	Requests int
	// Timeout bounds one request (0: DefaultTimeout).
	Timeout time.Duration
}

// Load is a running (or finished) load.
type Load struct {
	cfg      Config
	attacker *vegeta.Attacker
	started  time.Time
	done     chan struct{}

	mu      sync.Mutex
	records []Record
	ended   time.Time
}

// Start checks the configuration and starts sending. The load stops by
// itself at its bounds, when Stop is called, or when ctx ends.
func Start(ctx context.Context, cfg Config) (*Load, error) {
	u, err := CheckURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	cfg.URL = u.String()
	if cfg.Freq < 1 || cfg.Per <= 0 {
		return nil, fmt.Errorf("load %s: a rate needs at least one request per span of time", cfg.Name)
	}
	if cfg.Duration <= 0 || cfg.Duration > MaxDuration {
		cfg.Duration = MaxDuration
	}
	if cfg.Requests <= 0 || cfg.Requests > MaxRequests {
		cfg.Requests = MaxRequests
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	l := &Load{
		cfg: cfg,
		attacker: vegeta.NewAttacker(
			vegeta.Client(LoopbackClient(cfg.Timeout)),
			vegeta.MaxBody(maxBodyRead),
			vegeta.Workers(initialWorkers),
		),
		done: make(chan struct{}),
	}
	target := vegeta.Target{Method: http.MethodGet, URL: cfg.URL, Header: http.Header{"User-Agent": {loadUserAgent}}}
	pacer := boundedPacer{Pacer: vegeta.ConstantPacer{Freq: cfg.Freq, Per: cfg.Per}, max: uint64(cfg.Requests)}
	l.started = time.Now()
	results := l.attacker.Attack(vegeta.NewStaticTargeter(target), pacer, cfg.Duration, cfg.Name)
	go l.collect(results)
	go func() {
		select {
		case <-ctx.Done():
			l.attacker.Stop()
		case <-l.done:
		}
	}()
	return l, nil
}

// boundedPacer stops the attack after max requests.
type boundedPacer struct {
	vegeta.Pacer
	max uint64
}

func (p boundedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.max {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

func (l *Load) collect(results <-chan *vegeta.Result) {
	defer close(l.done)
	for res := range results {
		rec := recordOf(res)
		l.mu.Lock()
		l.records = append(l.records, rec)
		l.mu.Unlock()
	}
	l.mu.Lock()
	l.ended = time.Now()
	l.mu.Unlock()
}

// recordOf keeps what a scenario asks about an answer, and drops the body.
func recordOf(res *vegeta.Result) Record {
	rec := Record{Seq: res.Seq, Start: res.Timestamp, Latency: res.Latency, Status: int(res.Code)}
	if res.Code == 0 && res.Error != "" {
		rec.Error = clip(res.Error, maxErrorLength)
	}
	if res.Headers != nil {
		rec.Instance = res.Headers.Get(lbheader.Target)
		if rec.Instance == "" {
			rec.Instance = res.Headers.Get(headerInstance)
		}
		rec.Version = res.Headers.Get(headerVersion)
	}
	if (rec.Version == "" || rec.Instance == "") && len(res.Body) > 0 {
		// A workload other than the demo app may say who it is in its body.
		var body struct {
			Version    string `json:"version"`
			InstanceID string `json:"instance_id"`
		}
		if json.Unmarshal(res.Body, &body) == nil {
			rec.Version = cmp.Or(rec.Version, clip(body.Version, 64))
			rec.Instance = cmp.Or(rec.Instance, clip(body.InstanceID, 64))
		}
	}
	return rec
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Stop stops sending and waits until the requests in flight have answered
// (each is bounded by the request timeout).
func (l *Load) Stop() {
	l.attacker.Stop()
	<-l.done
}

// Done is closed when the load has ended and every answer is recorded.
func (l *Load) Done() <-chan struct{} { return l.done }

// Running reports whether the load still sends.
func (l *Load) Running() bool {
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

// Config is the load's configuration, bounds filled in.
func (l *Load) Config() Config { return l.cfg }

// Started is when the load began.
func (l *Load) Started() time.Time { return l.started }

// Ended is when the load ended (zero while it runs).
func (l *Load) Ended() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ended
}

// Records returns a copy of the answers so far, in arrival order.
func (l *Load) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.records...)
}
