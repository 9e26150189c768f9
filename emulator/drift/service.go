package drift

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// GroupMode tells what a group does with drift: "replace" or "report"
// (an error when the group is gone).
type GroupMode func(ctx context.Context, group string) (string, error)

// Config is what a Service needs.
type Config struct {
	DB      *store.DB
	Compute *compute.Service
	Runtime sandbox.Runtime
	Sandbox string // the sandbox's name, on every container it owns
	Network string // the sandbox's network
	// GroupMode is the remediation of each group; nil reports only.
	GroupMode GroupMode
	// Groups lists the groups, for a restore to balance them over their
	// zones again; nil leaves them as they are.
	Groups  func(ctx context.Context) ([]autoscaling.GroupDetail, error)
	Profile timing.Profile
	Now     func() time.Time // time.Now when nil
	// Workers bounds the engine calls a scan makes at once (default 8).
	Workers int
}

// Service scans for drift, remediates it, and injects it.
type Service struct {
	cfg Config
	now func() time.Time

	mu sync.Mutex
	// seen is the drift last reported of each instance (or container),
	// so that an event says it once.
	seen map[string]string
	// recent are drifts the control plane acted on before a scan saw
	// them (a container removed or exited: compute ends the instance at
	// once); a scan reports them for two intervals.
	recent map[string]recentDrift
	// replacing holds the drifted instances being replaced, and by what.
	replacing map[string]*replacement
	claimed   map[string]bool // new instances already told as a replacement
	done      []Replaced      // replacements made lately, for the reports
	// zonesDown are zones an injected outage took down.
	zonesDown map[string][]string // zone -> the instances it took down
	wg        sync.WaitGroup
	// life is the background work's context (replacements, rebalancing):
	// it ends with Run.
	life context.Context
	end  context.CancelFunc
}

type recentDrift struct {
	report InstanceReport
	at     time.Time
}

type replacement struct {
	since time.Time
	by    string // the new instance, once launched
}

// New returns a Service; Run scans periodically.
func New(cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	life, end := context.WithCancel(context.Background())
	return &Service{cfg: cfg, now: now, life: life, end: end, seen: map[string]string{}, recent: map[string]recentDrift{},
		replacing: map[string]*replacement{}, claimed: map[string]bool{}, zonesDown: map[string][]string{}}
}

// Interval is how often Run scans.
func (s *Service) Interval() time.Duration {
	if s.cfg.Profile.DriftScanInterval > 0 {
		return s.cfg.Profile.DriftScanInterval
	}
	return 5 * time.Minute
}

// scanShare bounds the engine time periodic scans take: after a scan
// that took d, the next waits at least (scanShare-1) x d. Reading a
// container's changes walks its writable layer; with hundreds of
// instances a scan takes the engine seconds, and scans back to back would
// slow every launch and health check beside them.
const scanShare = 4

// Run scans every interval (longer when scans are slow, see scanShare)
// until ctx ends, then waits for the replacements under way.
func (s *Service) Run(ctx context.Context) {
	defer s.wg.Wait()
	defer s.end()
	wait := s.Interval()
	for {
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		wait = s.Interval()
		if !s.cfg.Compute.EngineAvailable() {
			continue
		}
		start := time.Now()
		if _, err := s.Scan(ctx, ""); err != nil && ctx.Err() == nil {
			slog.Warn("drift scan", "err", err)
		}
		wait = max(wait, (scanShare-1)*time.Since(start))
	}
}

// Observe is told of every instance state change: a container that
// exited or was removed behind the control plane's back is drift that
// compute acts on before any scan, so it is remembered here.
func (s *Service) Observe(inst compute.Instance) {
	var d Difference
	status := StatusModified
	switch {
	case inst.State == compute.StateStopped:
		d = Difference{Kind: KindState, Field: "state", Expected: "running", Actual: "exited", Change: ChangeModify}
	case inst.State == compute.StateTerminated && inst.StateReason == compute.ReasonContainerGone:
		d = Difference{Kind: KindMissing, Field: "container", Expected: "present", Actual: "absent", Change: ChangeRemove}
		status = StatusDeleted
	default:
		return
	}
	r := InstanceReport{ID: inst.ID, Group: inst.Group, Zone: inst.Zone, Container: short(inst.ContainerID),
		Status: status, Kind: d.Kind, Differences: []Difference{d}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recent[inst.ID]; !ok || d.Kind == KindMissing {
		s.recent[inst.ID] = recentDrift{report: r, at: s.now()}
	}
}
