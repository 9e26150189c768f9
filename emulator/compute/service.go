package compute

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// ImageResolver turns an image reference into what a version pins (a
// manifest of the sandbox's registry), and that into what the engine
// launches.
type ImageResolver interface {
	Resolve(ctx context.Context, ref string) (images.Resolved, error)
	// LaunchRef refuses an image that may no longer launch and returns
	// the reference the engine pulls it by.
	LaunchRef(ctx context.Context, r images.Resolved) (string, error)
}

// Hooks let other parts of the control plane act on an instance's life
// without compute knowing them (the load balancer drains before a stop).
type Hooks struct {
	// BeforeDeleteTemplate runs in the transaction that deletes a launch
	// template, so that nothing starts to use it in between; an error
	// refuses the deletion (auto scaling refuses while a group launches
	// from the template).
	BeforeDeleteTemplate func(tx *store.Tx, name string) error
	// BeforeStop runs when an instance starts shutting down, before its
	// container is stopped; it returns when the instance may go.
	BeforeStop func(ctx context.Context, inst Instance)
	// StateChanged runs after an instance's state changed in the store.
	StateChanged func(inst Instance)
}

// Config is what a Service needs.
type Config struct {
	DB      *store.DB
	Runtime sandbox.Runtime
	Sandbox string // the sandbox name, put on every container as a label
	Network string // the sandbox's network
	Images  ImageResolver
	Profile timing.Profile
	Hooks   Hooks
	Now     func() time.Time // the clock; time.Now when nil
	// LaunchParallel bounds the containers being created and started at
	// once (DefaultLaunchParallel when 0).
	LaunchParallel int
}

// DefaultLaunchParallel is how many containers the engine is asked to
// create and start at once. Beyond a few, a busy engine only takes longer
// over each (make bench: TestIntegrationBenchEngineParallelism).
const DefaultLaunchParallel = 8

// Service manages templates and instances.
type Service struct {
	db      *store.DB
	rt      sandbox.Runtime
	sandbox string
	network string
	images  ImageResolver
	profile timing.Profile
	hooks   Hooks
	now     func() time.Time

	mu sync.Mutex
	// busy holds the instances a launch or termination is working on, so
	// that the reconcile loop leaves them alone until it is done.
	busy map[string]bool
	// zoneNext spreads instances that belong to no group over the zones.
	zoneNext int
	// zonesDown are zones an injected outage took out of service.
	zonesDown map[string]bool

	engine engineWatch
	// launchSlots holds a token for each container being created and
	// started.
	launchSlots chan struct{}
}

// New returns a Service.
func New(cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{
		db: cfg.DB, rt: cfg.Runtime, sandbox: cfg.Sandbox, network: cfg.Network,
		images: cfg.Images, profile: cfg.Profile, hooks: cfg.Hooks, now: now,
		busy: map[string]bool{}, launchSlots: make(chan struct{}, cmp.Or(cfg.LaunchParallel, DefaultLaunchParallel)),
	}
}

// SetHooks replaces the hooks (set once while wiring the control plane).
func (s *Service) SetHooks(h Hooks) { s.hooks = h }

func (s *Service) markBusy(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.busy[id] = true
	}
}

func (s *Service) unmarkBusy(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, id)
}

func (s *Service) isBusy(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy[id]
}
