package autoscaling

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

var ctx = context.Background()

// fakeLB is a LoadBalancing whose targets turn healthy a fixed time after
// they are registered, unless a test says otherwise.
type fakeLB struct {
	mu           sync.Mutex
	clock        *FakeClock
	lbs          map[string]bool
	targets      map[string]fakeTarget // by instance id
	healthyAfter time.Duration
	// bad makes an instance's target turn unhealthy instead of healthy.
	bad func(inst compute.Instance) bool
	// override forces an instance's state.
	override map[string]string
}

type fakeTarget struct {
	lb   string
	inst compute.Instance
	at   time.Time
}

func newFakeLB(clock *FakeClock, p timing.Profile) *fakeLB {
	return &fakeLB{clock: clock, lbs: map[string]bool{"web": true}, targets: map[string]fakeTarget{},
		healthyAfter: time.Duration(p.HealthyThreshold) * p.HealthInterval, override: map[string]string{}}
}

func (f *fakeLB) Check(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.lbs[name] {
		return errdefs.NotFound("load balancer %q does not exist: create it with 'cattle lb create %s'", name, name)
	}
	return nil
}

func (f *fakeLB) Register(ctx context.Context, lb string, inst compute.Instance) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.targets[inst.ID]; !ok {
		f.targets[inst.ID] = fakeTarget{lb: lb, inst: inst, at: f.clock.Now()}
	}
	return nil
}

func (f *fakeLB) TargetState(lb, id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.targets[id]
	if !ok || t.lb != lb {
		return ""
	}
	if st, ok := f.override[id]; ok {
		return st
	}
	if f.clock.Now().Before(t.at.Add(f.healthyAfter)) {
		return TargetInitial
	}
	if f.bad != nil && f.bad(t.inst) {
		return TargetUnhealthy
	}
	return TargetHealthy
}

func (f *fakeLB) TargetStates(lb string) map[string]string {
	f.mu.Lock()
	var ids []string
	for id := range f.targets {
		ids = append(ids, id)
	}
	f.mu.Unlock()
	out := map[string]string{}
	for _, id := range ids {
		if st := f.TargetState(lb, id); st != "" {
			out[id] = st
		}
	}
	return out
}

func (f *fakeLB) deregister(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.targets, id)
}

func (f *fakeLB) set(id, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override[id] = state
}

// forgetAll drops every target, as a restarted load balancer would.
func (f *fakeLB) forgetAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = map[string]fakeTarget{}
}

// gatedRuntime is the fake runtime with a gate on Start: a test holds
// the launch of chosen containers to crash the daemon in the middle of it.
type gatedRuntime struct {
	*sandboxtest.Fake
	mu      sync.Mutex
	hold    func(spec labels) bool
	held    chan string // receives the instance id of each held start
	release chan struct{}
	labels  map[string]labels // container id -> labels
	// failCreate, when set, makes Create fail for the containers it chooses.
	failCreate func(labels) error
	// hang, when set, makes Start of the containers it chooses hang as an
	// engine that never answers would, until the caller gives up.
	hang func(labels) bool
}

type labels map[string]string

func (g *gatedRuntime) Create(ctx context.Context, spec sandbox.ContainerSpec) (string, error) {
	g.mu.Lock()
	fail := g.failCreate
	g.mu.Unlock()
	if fail != nil {
		if err := fail(spec.Labels); err != nil {
			return "", err
		}
	}
	id, err := g.Fake.Create(ctx, spec)
	if err == nil {
		g.mu.Lock()
		g.labels[id] = spec.Labels
		g.mu.Unlock()
	}
	return id, err
}

func (g *gatedRuntime) Start(ctx context.Context, id string) error {
	g.mu.Lock()
	l, hold, hang := g.labels[id], g.hold, g.hang
	g.mu.Unlock()
	if hang != nil && hang(l) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second): // a test's guard, should the launch never give up
			return fmt.Errorf("start hung for 10s and nobody gave up on it")
		}
	}
	if p, ok := ctx.Value(planeKey{}).(*plane); ok && p.crashed.Load() {
		// A launch of a crashed control plane: it never gets further.
		<-g.release
		return ctx.Err()
	}
	if hold != nil && hold(l) {
		g.held <- l[sandbox.LabelInstance]
		<-g.release
		return fmt.Errorf("the daemon crashed")
	}
	return g.Fake.Start(ctx, id)
}

// plane marks the context of one control plane, so that the gate can tell
// the steps of a crashed one.
type plane struct{ crashed atomic.Bool }

type planeKey struct{}

type fakeImages struct{ rt *sandboxtest.Fake }

// Resolve pins the engine's image id, as versions made before launches
// came from the registry do: no repository, so no pull.
func (f fakeImages) Resolve(ctx context.Context, ref string) (images.Resolved, error) {
	img, err := f.rt.InspectImage(ctx, ref)
	if err != nil {
		return images.Resolved{}, errdefs.NotFound("image %q not found", ref)
	}
	return images.Resolved{Digest: img.ID}, nil
}

func (f fakeImages) LaunchRef(ctx context.Context, r images.Resolved) (string, error) {
	return r.Digest, nil
}

// harness is a control plane on a fake runtime, a fake load balancer and
// a fake clock, on a real store file that survives a restart.
type harness struct {
	t       *testing.T
	path    string
	profile timing.Profile
	clock   *FakeClock
	rt      *gatedRuntime
	lb      *fakeLB
	metrics *fakeMetrics
	db      *store.DB
	compute *compute.Service
	svc     *Service
	// ctx is the running control plane's; a crash marks and cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	plane  *plane

	mu sync.Mutex
	// stopHold, when set, holds the termination of the instances it
	// chooses in BeforeStop; stopHeld receives their ids.
	stopHold    func(compute.Instance) bool
	stopHeld    chan string
	stopRelease chan struct{}
	// minHealthy and maxTotal are invariants checked at every termination
	// and launch of group "web" (-1: not checked).
	minHealthy, maxTotal int
	violations           []string
	terminated           map[string]int // instance id -> terminations started
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	fake := sandboxtest.New()
	fake.AddImage("builtin/demo", nil)
	fake.AddImage("demo:v2", nil)
	p := timing.Fast()
	clock := NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	h := &harness{
		t: t, path: filepath.Join(t.TempDir(), "state.db"), profile: p, clock: clock,
		rt:         &gatedRuntime{Fake: fake, held: make(chan string, 100), release: make(chan struct{}), labels: map[string]labels{}},
		lb:         newFakeLB(clock, p),
		minHealthy: -1, maxTotal: -1, terminated: map[string]int{},
		stopHeld: make(chan string, 100), stopRelease: make(chan struct{}),
	}
	h.metrics = &fakeMetrics{h: h, counts: map[string]float64{}}
	t.Cleanup(func() {
		close(h.rt.release)
		close(h.stopRelease)
		h.db.Close()
	})
	h.open()
	for i, env := range []string{"v1", "v2", "v3"} {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Env: map[string]string{"DEMO_VERSION": env}}
		var err error
		if i == 0 {
			_, _, err = h.compute.CreateTemplate(ctx, "web", data)
		} else {
			_, err = h.compute.CreateVersion(ctx, "web", "", data, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// open makes the control plane on the state file, as a daemon start does.
func (h *harness) open() {
	h.t.Helper()
	db, err := store.Open(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = db
	h.plane = &plane{}
	h.ctx, h.cancel = context.WithCancel(context.WithValue(context.Background(), planeKey{}, h.plane))
	h.compute = compute.New(compute.Config{DB: db, Runtime: h.rt, Sandbox: "unit", Network: "cattle-unit",
		Images: fakeImages{h.rt.Fake}, Profile: h.profile, Now: h.clock.Now})
	svc := New(Config{DB: db, Compute: h.compute, LB: h.lb, Metrics: h.metrics, Profile: h.profile, Clock: h.clock,
		PendingFloor: testPendingFloor})
	h.svc = svc
	comp := h.compute
	h.compute.SetHooks(compute.Hooks{
		BeforeStop:   func(ctx context.Context, inst compute.Instance) { h.beforeStop(comp, inst) },
		StateChanged: func(inst compute.Instance) { h.stateChanged(comp, inst); svc.Notify() },
		// As the daemon wires it.
		BeforeDeleteTemplate: svc.CheckTemplateUnused,
	})
}

// testPendingFloor is the real time a launch may hang before it is
// abandoned in these tests (a minute in the daemon).
const testPendingFloor = 300 * time.Millisecond

// crash abandons the control plane as a SIGKILL would (activities held in
// a gate stay held) and starts a new one on the same state file and
// engine, adopting what the engine holds.
func (h *harness) crash() {
	h.t.Helper()
	h.plane.crashed.Store(true)
	h.cancel()
	h.rt.mu.Lock()
	h.rt.hold = nil
	h.rt.mu.Unlock()
	h.mu.Lock()
	h.stopHold = nil
	h.mu.Unlock()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
	if err := h.compute.Reconcile(ctx, true); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) beforeStop(comp *compute.Service, inst compute.Instance) {
	h.mu.Lock()
	hold := h.stopHold != nil && h.stopHold(inst)
	h.terminated[inst.ID]++
	min := h.minHealthy
	h.mu.Unlock()
	if inst.Group == "web" && min >= 0 {
		if n := h.healthyNow(comp); n < min {
			h.violate("terminating %s left %d healthy instances, below the minimum %d", inst.ID, n, min)
		}
	}
	if hold {
		h.stopHeld <- inst.ID
		<-h.stopRelease
	}
	h.lb.deregister(inst.ID)
}

func (h *harness) stateChanged(comp *compute.Service, inst compute.Instance) {
	h.mu.Lock()
	max := h.maxTotal
	h.mu.Unlock()
	if inst.Group != "web" || max < 0 || inst.State != compute.StateRunning {
		return
	}
	insts, err := comp.Instances(ctx)
	if err != nil {
		return // the state file of a crashed control plane
	}
	n := 0
	for _, i := range insts {
		if i.Group == "web" && i.Live() && i.State != compute.StateShuttingDown {
			n++
		}
	}
	if n > max {
		h.violate("launching %s made %d instances, above the maximum %d", inst.ID, n, max)
	}
}

// healthyNow counts group web's instances that serve: running, not
// shutting down, healthy in the load balancer.
func (h *harness) healthyNow(comp *compute.Service) int {
	insts, err := comp.Instances(ctx)
	if err != nil {
		return 1 << 30
	}
	n := 0
	for _, i := range insts {
		if i.Group == "web" && i.State == compute.StateRunning && h.lb.TargetState("web", i.ID) == TargetHealthy {
			n++
		}
	}
	return n
}

func (h *harness) violate(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
}

func (h *harness) checkInvariants() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.violations) > 0 {
		h.t.Fatalf("invariants broken:\n  %s", strings.Join(h.violations, "\n  "))
	}
}

func (h *harness) limits(minHealthy, maxTotal int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.minHealthy, h.maxTotal = minHealthy, maxTotal
}

// settle runs passes, each waiting for the activities it started, until
// a pass has nothing to do at the current time.
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; ; i++ {
		if i > 500 {
			h.t.Fatalf("no steady state after 500 passes\n%s", h.dump())
		}
		res := h.svc.reconcileOnce(h.ctx)
		h.svc.waitIdle()
		if !res.acted {
			return
		}
	}
}

// runUntilHeld runs passes, and moves the clock when nothing is under way,
// until n steps are held in gate ch; it returns the ids they hold. Held
// activities are not waited for: the test crashes the control plane next.
func (h *harness) runUntilHeld(ch chan string, n int) []string {
	h.t.Helper()
	var got []string
	guard := time.Now().Add(30 * time.Second) // against a hang, not a measure
	for len(got) < n {
		if time.Now().After(guard) {
			h.t.Fatalf("only %d of %d steps held\n%s", len(got), n, h.dump())
		}
		res := h.svc.reconcileOnce(h.ctx)
		select {
		case id := <-ch:
			got = append(got, id)
			continue
		case <-time.After(2 * time.Millisecond):
		}
		if !res.acted && h.svc.activities() == 0 {
			h.clock.Advance(step)
		}
	}
	return got
}

// step is how far the fake clock moves between settles.
const step = 250 * time.Millisecond

// runUntil settles and advances the clock until cond holds.
func (h *harness) runUntil(what string, cond func() bool) {
	h.t.Helper()
	for i := 0; i < 2400; i++ {
		h.settle()
		h.checkInvariants()
		if cond() {
			return
		}
		h.clock.Advance(step)
	}
	h.t.Fatalf("%s: not reached in 10 simulated minutes\n%s", what, h.dump())
}

// advance moves the clock by d in steps, settling after each.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	for end := h.clock.Now().Add(d); h.clock.Now().Before(end); {
		h.clock.Advance(step)
		h.settle()
		h.checkInvariants()
	}
}

func (h *harness) createGroup(spec GroupSpec) GroupDetail {
	h.t.Helper()
	d, err := h.svc.CreateGroup(ctx, spec)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// webGroup makes group web of n instances of web:1 behind load balancer
// web with ELB health checks, and waits until all serve.
func (h *harness) webGroup(n int, mod ...func(*GroupSpec)) {
	h.t.Helper()
	spec := GroupSpec{Name: "web", Template: "web", Min: 0, Max: 10, Desired: &n, LoadBalancer: "web", HealthCheckType: HealthCheckELB}
	for _, f := range mod {
		f(&spec)
	}
	h.createGroup(spec)
	h.waitHealthy(n)
}

func (h *harness) waitHealthy(n int) {
	h.t.Helper()
	h.runUntil(fmt.Sprintf("%d healthy", n), func() bool {
		d := h.group()
		return d.Healthy == n && len(d.Instances) == n
	})
}

// deleteGroup deletes group web and fails the test if that fails.
// DeleteGroup returns once the group's instances are gone, which takes
// passes: it runs aside until the group is marked deleting, then the
// passes run.
func (h *harness) deleteGroup(force bool) {
	h.t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.svc.DeleteGroup(ctx, "web", force) }()
	for {
		if g, err := h.svc.Group(ctx, "web"); err == nil && g.Status == StatusDeleting {
			break
		}
		select {
		case err := <-done:
			// Refused, or failed, before any pass ran.
			h.t.Fatalf("delete group web (force %v) returned %v before the passes ran\n%s", force, err, h.dump())
		case <-time.After(time.Millisecond):
		}
	}
	h.settle()
	select {
	case err := <-done:
		if err != nil {
			h.t.Fatalf("delete group web (force %v): %v", force, err)
		}
	case <-time.After(30 * time.Second): // against a hang, not a measure
		h.t.Fatalf("group web still there after the passes\n%s", h.dump())
	}
}

// waitOwnConfig runs until group web is back on its own configuration,
// version 1: n instances, all of version 1, all healthy. It returns how
// long the fake clock ran for it.
func (h *harness) waitOwnConfig(n int) time.Duration {
	h.t.Helper()
	start := h.clock.Now()
	h.runUntil(fmt.Sprintf("group back on version 1 with %d healthy", n), func() bool {
		d := h.group()
		return d.Healthy == n && len(d.Instances) == n && versionsOf(d.Instances)[1] == n
	})
	if g := h.group(); g.TemplateVersion != "1" {
		h.t.Fatalf("group web launches version %s, want its own 1", g.TemplateVersion)
	}
	return h.clock.Now().Sub(start)
}

func (h *harness) group() GroupDetail {
	h.t.Helper()
	return h.groupNamed("web")
}

func (h *harness) groupNamed(name string) GroupDetail {
	h.t.Helper()
	d, err := h.svc.Group(ctx, name)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// members are group web's instances that are not terminated.
func (h *harness) members() []compute.Instance { return h.group().Instances }

func (h *harness) refresh() Refresh {
	h.t.Helper()
	rs, err := h.svc.Refreshes(ctx, "web")
	if err != nil {
		h.t.Fatal(err)
	}
	if len(rs) == 0 {
		h.t.Fatal("group web has no refresh")
	}
	return rs[0]
}

func (h *harness) startRefresh(spec RefreshSpec) Refresh {
	h.t.Helper()
	r, err := h.svc.StartRefresh(ctx, "web", spec)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// waitRefresh runs until the refresh has a final status and returns it.
func (h *harness) waitRefresh() Refresh {
	h.t.Helper()
	h.runUntil("refresh finished", func() bool { return Done(h.refresh().Status) })
	return h.refresh()
}

// everInstances lists every instance group web ever had, by launch.
func (h *harness) everInstances() []compute.Instance {
	insts, err := h.compute.Instances(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []compute.Instance
	for _, i := range insts {
		if i.Group == "web" {
			out = append(out, i)
		}
	}
	return out
}

func versionsOf(insts []compute.Instance) map[int]int {
	out := map[int]int{}
	for _, i := range insts {
		out[i.TemplateVersion]++
	}
	return out
}

func ids(insts []compute.Instance) []string {
	out := make([]string, len(insts))
	for i, inst := range insts {
		out[i] = inst.ID
	}
	sort.Strings(out)
	return out
}

func (h *harness) events(kind string) []store.Event {
	evs, err := h.db.Events(0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if kind == "" || e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clock %s\n", h.clock.Now().Format(time.TimeOnly))
	insts, _ := h.compute.Instances(ctx)
	for _, i := range insts {
		fmt.Fprintf(&b, "  %s %-13s v%d %s target=%q tags=%v %s\n", i.ID, i.State, i.TemplateVersion, i.Zone,
			h.lb.TargetState("web", i.ID), i.Tags, i.StateReason)
	}
	if rs, err := h.svc.Refreshes(ctx, "web"); err == nil {
		for _, r := range rs {
			fmt.Fprintf(&b, "  refresh %s %s %d%% to-update=%d reason=%q\n", r.ID, r.Status, r.PercentComplete, r.InstancesToUpdate, r.StatusReason)
		}
	}
	evs, _ := h.db.Events(0, 0)
	if len(evs) > 40 {
		evs = evs[len(evs)-40:]
	}
	for _, e := range evs {
		fmt.Fprintf(&b, "  %d %s %s\n", e.Seq, e.Kind, e.Message)
	}
	return b.String()
}

func intp(n int) *int { return &n }
