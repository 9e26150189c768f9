package elb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/lb"
	"github.com/cattle-dev/cattle/store"
)

var lbName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,31}$`)

// Config is what a Service needs.
type Config struct {
	DB      *store.DB
	Compute *compute.Service
	Profile timing.Profile
	// BeforeDelete, when set, may refuse to delete a load balancer that
	// something still uses (a group), as AWS refuses with ResourceInUse.
	BeforeDelete func(ctx context.Context, name string) error
}

// Service manages the load balancers of a sandbox.
type Service struct {
	db           *store.DB
	compute      *compute.Service
	profile      timing.Profile
	beforeDelete func(ctx context.Context, name string) error
	// events carries target health changes from the data plane to the
	// store, in order, off the data plane's lock.
	events chan store.Event
	done   chan struct{} // closed by Close: the writer of events ends

	closeEvents sync.Once

	mu   sync.Mutex
	live map[string]*liveLB // by name
}

// liveLB is a record's running data plane: its listener (nil when it has
// none) and its target group (nil when it has none). It is never changed
// in place: a change installs a new one.
type liveLB struct {
	lb    *lb.LoadBalancer
	group *lb.TargetGroup
}

// close stops the listener and the target group.
func (l *liveLB) close(ctx context.Context) {
	if l.lb != nil {
		_ = l.lb.Close(ctx)
	}
	if l.group != nil {
		l.group.Close()
	}
}

// New returns a Service; Start brings up the recorded load balancers.
func New(cfg Config) *Service {
	s := &Service{db: cfg.DB, compute: cfg.Compute, profile: cfg.Profile, beforeDelete: cfg.BeforeDelete,
		live: map[string]*liveLB{}, events: make(chan store.Event, 4096)}
	s.done = make(chan struct{})
	go s.writeEvents()
	return s
}

// healthChanged turns a target's change of state or reason into an event.
// It runs under the data plane's lock: it only queues.
func (s *Service) healthChanged(lbName string, prev lb.TargetState, h lb.TargetHealth) {
	what := string(h.State)
	if h.Reason != "" {
		what += " (" + h.Reason + ")"
	}
	msg := fmt.Sprintf("%s in %s: %s", h.ID, lbName, what)
	if prev != "" {
		msg = fmt.Sprintf("%s in %s: %s -> %s", h.ID, lbName, prev, what)
	}
	e := store.Event{Kind: "lb.target", Resource: "lb/" + lbName, Message: msg,
		Fields: map[string]string{"instance": h.ID, "state": string(h.State), "reason": h.Reason, "from": string(prev)}}
	select {
	case s.events <- e:
	default:
		slog.Warn("dropping a target health event: the store is behind", "lb", lbName, "event", msg)
	}
}

// writeEvents appends the queued target health events, in order.
func (s *Service) writeEvents() {
	for {
		select {
		case <-s.done:
			return
		case e := <-s.events:
			err := s.db.Update(func(tx *store.Tx) error {
				_, err := tx.Append(e)
				return err
			})
			if err != nil {
				slog.Debug("recording a target health event", "err", err)
			}
		}
	}
}

// Start brings up every recorded load balancer on its recorded port and
// registers its targets again; after a daemon restart the listeners are
// where they were.
func (s *Service) Start(ctx context.Context) error {
	var recs []LoadBalancer
	err := s.db.View(func(tx *store.Tx) (err error) {
		recs, err = store.List[LoadBalancer](tx, kindLoadBalancer)
		return err
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, rec := range recs {
		if err := s.startLive(rec); err != nil {
			errs = append(errs, fmt.Errorf("load balancer %s: %w", rec.Name, err))
		}
	}
	for _, rec := range recs {
		s.applyForwards(rec)
		for _, id := range rec.Targets {
			inst, err := s.compute.Instance(ctx, id)
			if err != nil || inst.State != compute.StateRunning || inst.Address == "" {
				continue
			}
			s.registerLive(rec, inst)
		}
	}
	return errors.Join(errs...)
}

// Close stops every listener and health checker (the records stay).
func (s *Service) Close(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.closeEvents.Do(func() { close(s.done) })
	for name, l := range s.live {
		l.close(ctx)
		delete(s.live, name)
	}
}

func (s *Service) targetGroupConfig(rec LoadBalancer) lb.TargetGroupConfig {
	hc := rec.HealthCheck
	return lb.TargetGroupConfig{
		Name: rec.Name,
		HealthCheck: lb.HealthCheck{
			Path: hc.Path, Matcher: hc.Matcher, Port: hc.Port,
			Interval: time.Duration(hc.Interval), Timeout: time.Duration(hc.Timeout),
			HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold,
		},
		DeregistrationDelay: time.Duration(rec.DeregistrationDelay),
		SlowStart:           time.Duration(rec.SlowStart),
		Algorithm:           lb.Algorithm(rec.Algorithm),
		OnHealthChange: func(prev lb.TargetState, h lb.TargetHealth) {
			s.healthChanged(rec.Name, prev, h)
		},
	}
}

// startLive starts a record's target group and listener.
func (s *Service) startLive(rec LoadBalancer) error {
	l := &liveLB{}
	if rec.HasTargetGroup() {
		group, err := lb.NewTargetGroup(s.targetGroupConfig(rec))
		if err != nil {
			return errdefs.Invalid("%v", err)
		}
		l.group = group
	}
	if rec.Listening() {
		front, err := openListener(rec, l.group)
		if err != nil {
			l.close(context.Background())
			return err
		}
		l.lb = front
	}
	s.setLive(rec.Name, l)
	return nil
}

// openListener listens on the record's address (port 0: a free one),
// forwarding to group until applyForwards sets the record's forwards.
func openListener(rec LoadBalancer, group *lb.TargetGroup) (*lb.LoadBalancer, error) {
	var fs []lb.Forward
	if group != nil {
		fs = append(fs, lb.Forward{Group: group, Weight: 1})
	}
	addr := rec.Address
	if addr == "" {
		addr = "127.0.0.1:" + strconv.Itoa(rec.Port)
	}
	front, err := lb.New(lb.Config{Name: rec.Name, Addr: addr, Algorithm: lb.Algorithm(rec.Algorithm)}, fs...)
	if err == nil {
		err = front.Start()
	}
	if err != nil {
		return nil, errdefs.Conflict("%v", err)
	}
	return front, nil
}

// setLive installs a record's data plane (nil: it has none).
func (s *Service) setLive(name string, l *liveLB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l == nil {
		delete(s.live, name)
		return
	}
	s.live[name] = l
}

// withDefaults fills a new record from the timing profile.
func (s *Service) withDefaults(req CreateRequest) (LoadBalancer, error) {
	if !lbName.MatchString(req.Name) {
		return LoadBalancer{}, errdefs.Invalid("load balancer name %q is not valid: use letters, digits and '-' (at most 32)", req.Name)
	}
	if req.Port < 0 || req.Port > 65535 {
		return LoadBalancer{}, errdefs.Invalid("port %d is out of range: use 1-65535, or 0 for a free one", req.Port)
	}
	switch req.Algorithm {
	case "":
		req.Algorithm = string(lb.RoundRobin)
	case string(lb.RoundRobin), string(lb.LeastOutstandingRequests):
	default:
		return LoadBalancer{}, errdefs.Invalid("unknown algorithm %q: use round_robin or least_outstanding_requests", req.Algorithm)
	}
	hc := req.HealthCheck
	pathFromTemplate := hc.Path == ""
	if hc.Path == "" {
		hc.Path = "/"
	} else if !strings.HasPrefix(hc.Path, "/") {
		return LoadBalancer{}, errdefs.Invalid("health check path %q must start with /", hc.Path)
	}
	if hc.Matcher == "" {
		hc.Matcher = "200"
	}
	hc = hc.withDefaults(s.profile)
	if err := RangesFor(s.profile).check(hc, req.SlowStart); err != nil {
		return LoadBalancer{}, err
	}
	delay := Duration(s.profile.DeregistrationDelay)
	if req.DeregistrationDelay != nil {
		delay = *req.DeregistrationDelay
		if delay < 0 || time.Duration(delay) > time.Hour {
			return LoadBalancer{}, errdefs.Invalid("deregistration delay %s is out of range: use 0s-3600s, as AWS", time.Duration(delay))
		}
	}
	rec := LoadBalancer{
		Name: req.Name, Address: "127.0.0.1:" + strconv.Itoa(req.Port), Port: req.Port, Algorithm: req.Algorithm,
		HealthCheck: hc, DeregistrationDelay: delay, SlowStart: req.SlowStart,
		Forwards: []Forward{{TargetGroup: req.Name, Weight: 1}}, Targets: []string{},
		PathFromTemplate: pathFromTemplate, CreatedAt: time.Now().UTC(),
	}
	rec.LoadBalancerID, rec.TargetGroupID, rec.ListenerID = newID(), newID(), newID()
	// Let the data plane check the rest (thresholds, matcher, timeouts).
	if _, err := lb.NewTargetGroup(s.targetGroupConfig(rec)); err != nil {
		return LoadBalancer{}, errdefs.Invalid("%v", err)
	}
	return rec, nil
}

// CheckCreate refuses what Create would refuse of req on profile p (names,
// ranges, health check settings), without a service: scenario files are
// checked with it before anything runs.
func CheckCreate(p timing.Profile, req CreateRequest) error {
	_, err := (&Service{profile: p}).withDefaults(req)
	return err
}

// Create makes a load balancer and starts its listener.
func (s *Service) Create(ctx context.Context, req CreateRequest) (LoadBalancer, error) {
	rec, err := s.withDefaults(req)
	if err != nil {
		return rec, err
	}
	if _, err := s.Get(ctx, rec.Name); err == nil {
		return rec, errdefs.Conflict("load balancer %q already exists: remove it with 'cattle lb rm %s' or choose another name", rec.Name, rec.Name)
	}
	if err := s.startLive(rec); err != nil {
		return rec, err
	}
	s.mu.Lock()
	l := s.live[rec.Name]
	s.mu.Unlock()
	rec.Address = l.lb.Addr()
	_, port, _ := net.SplitHostPort(rec.Address)
	rec.Port, _ = strconv.Atoi(port)
	err = s.db.Update(func(tx *store.Tx) error {
		if _, err := tx.PutIf(kindLoadBalancer, rec.Name, rec, 0); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "lb.created", Resource: "lb/" + rec.Name,
			Message: fmt.Sprintf("load balancer %s listening on http://%s (%s)", rec.Name, rec.Address, rec.Algorithm)})
		return err
	})
	if err != nil {
		s.closeLive(rec.Name)
		return rec, err
	}
	return rec, nil
}

func (s *Service) closeLive(name string) {
	s.mu.Lock()
	l := s.live[name]
	delete(s.live, name)
	s.mu.Unlock()
	if l != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.close(ctx)
	}
}

// Delete drains and removes a load balancer with its listener and its
// target group (whichever of them the record holds), unless a group or
// another load balancer uses the target group.
func (s *Service) Delete(ctx context.Context, name string) error {
	rec, err := s.Get(ctx, name)
	if err != nil {
		return err
	}
	if rec.HasTargetGroup() {
		if err := s.checkUnused(ctx, name, false); err != nil {
			return err
		}
		s.drainAll(ctx, rec)
	}
	s.closeLive(name)
	return s.db.Update(func(tx *store.Tx) error {
		if err := tx.Delete(kindLoadBalancer, name); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "lb.deleted", Resource: "lb/" + name, Message: "load balancer " + name + " removed"})
		return err
	})
}

// checkUnused refuses, with a conflict, to let target group name go while
// an auto scaling group uses it or a listener forwards to it (its own
// record's listener too, unless self is false: that one goes with it).
func (s *Service) checkUnused(ctx context.Context, name string, self bool) error {
	if s.beforeDelete != nil {
		if err := s.beforeDelete(ctx, name); err != nil {
			return err
		}
	}
	all, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, other := range all {
		if other.Name == name && !self {
			continue
		}
		for _, f := range other.Forwards {
			if f.TargetGroup == name && f.Weight > 0 && other.Name == name {
				return errdefs.Conflict("ResourceInUse: target group %s is used by the listener of load balancer %s: delete the listener or the load balancer first", name, name)
			}
			if f.TargetGroup == name && f.Weight > 0 && other.HasTargetGroup() {
				return errdefs.Conflict("load balancer %s forwards to %s: change its forwards first ('cattle lb forward %s --to %s=100')", other.Name, name, other.Name, other.Name)
			}
			if f.TargetGroup == name && f.Weight > 0 {
				return errdefs.Conflict("ResourceInUse: target group %s is used by the listener of load balancer %s: change its forwards or delete the listener first", name, other.Name)
			}
		}
	}
	return nil
}

// drainAll deregisters every target of rec's target group and waits, at
// most its deregistration delay, for them to drain.
func (s *Service) drainAll(ctx context.Context, rec LoadBalancer) {
	l := s.liveLB(rec.Name)
	if l == nil || l.group == nil {
		return
	}
	var chans []<-chan struct{}
	for _, id := range rec.Targets {
		chans = append(chans, l.group.Deregister(id))
	}
	waitAll(ctx, chans, time.Duration(rec.DeregistrationDelay)+time.Second)
}

func waitAll(ctx context.Context, chans []<-chan struct{}, limit time.Duration) {
	timeout := time.After(limit)
	for _, ch := range chans {
		select {
		case <-ch:
		case <-timeout:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (s *Service) liveLB(name string) *liveLB {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[name]
}

// Get returns a load balancer's record.
func (s *Service) Get(ctx context.Context, name string) (LoadBalancer, error) {
	var rec LoadBalancer
	err := s.db.View(func(tx *store.Tx) (err error) {
		rec, err = store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		return err
	})
	if errors.Is(err, errdefs.ErrNotFound) {
		return rec, errdefs.NotFound("load balancer %q does not exist: create it with 'cattle lb create %s'", name, name)
	}
	return rec, err
}

// List returns every load balancer, by name.
func (s *Service) List(ctx context.Context) ([]LoadBalancer, error) {
	var out []LoadBalancer
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[LoadBalancer](tx, kindLoadBalancer)
		return err
	})
	return out, err
}

// Check reports whether target group name exists: groups attach to
// target groups.
func (s *Service) Check(ctx context.Context, name string) error {
	_, err := s.getTargetGroup(ctx, name)
	return err
}

// getTargetGroup returns the record of target group name.
func (s *Service) getTargetGroup(ctx context.Context, name string) (LoadBalancer, error) {
	rec, err := s.Get(ctx, name)
	if err == nil && !rec.HasTargetGroup() {
		err = errdefs.NotFound("target group %q does not exist: %s is a load balancer alone (its listener forwards to %s)", name, name, forwardNames(rec.Forwards))
	} else if errors.Is(err, errdefs.ErrNotFound) {
		err = errdefs.NotFound("target group %q does not exist: create it with 'cattle lb create %s'", name, name)
	}
	return rec, err
}

func forwardNames(fs []Forward) string {
	if len(fs) == 0 {
		return "no target group"
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.TargetGroup
	}
	return strings.Join(names, ", ")
}

// Targets returns the health of a target group's targets.
func (s *Service) Targets(ctx context.Context, name string) ([]Target, error) {
	if _, err := s.getTargetGroup(ctx, name); err != nil {
		return nil, err
	}
	l := s.liveLB(name)
	if l == nil || l.group == nil {
		return []Target{}, nil
	}
	out := []Target{}
	for _, h := range l.group.Health() {
		out = append(out, Target{ID: h.ID, Address: h.Address, State: string(h.State), Reason: h.Reason, Description: h.Description, Since: h.Since})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// TargetStates are the target states in a load balancer, by instance id
// (an instance not registered there is absent).
func (s *Service) TargetStates(name string) map[string]string {
	l := s.liveLB(name)
	if l == nil || l.group == nil {
		return nil
	}
	hs := l.group.Health()
	out := make(map[string]string, len(hs))
	for _, h := range hs {
		// An id listed twice (registered again while its old target
		// drains or lies unused) is listed active first: that one counts.
		if _, seen := out[h.ID]; !seen {
			out[h.ID] = string(h.State)
		}
	}
	return out
}

// Register makes a running instance a target of a load balancer (idempotent).
func (s *Service) Register(ctx context.Context, name string, inst compute.Instance) error {
	return s.RegisterInstances(ctx, name, inst)
}

// RegisterInstances makes running instances targets of a load balancer.
func (s *Service) RegisterInstances(ctx context.Context, name string, insts ...compute.Instance) error {
	for _, inst := range insts {
		if inst.State != compute.StateRunning || inst.Address == "" {
			return errdefs.Conflict("instance %s is %s: only a running instance can be a target", inst.ID, inst.State)
		}
	}
	var rec LoadBalancer
	err := s.db.Update(func(tx *store.Tx) (err error) {
		rec, err = store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		if err != nil || !rec.HasTargetGroup() {
			return errdefs.NotFound("target group %q does not exist: create it with 'cattle lb create %s'", name, name)
		}
		for _, inst := range insts {
			if slices.Contains(rec.Targets, inst.ID) {
				continue
			}
			rec.Targets = append(rec.Targets, inst.ID)
			if _, err := tx.Append(store.Event{Kind: "lb.register", Resource: "lb/" + name,
				Message: fmt.Sprintf("%s registered with %s at %s", inst.ID, name, inst.Address),
				Fields:  map[string]string{"instance": inst.ID}}); err != nil {
				return err
			}
		}
		_, err = tx.Put(kindLoadBalancer, name, rec)
		return err
	})
	if err != nil {
		return err
	}
	for _, inst := range insts {
		s.registerLive(rec, inst)
	}
	return nil
}

// RegisterIDs registers instances by id.
func (s *Service) RegisterIDs(ctx context.Context, name string, ids []string) error {
	var insts []compute.Instance
	for _, id := range ids {
		inst, err := s.compute.Instance(ctx, id)
		if err != nil {
			return err
		}
		insts = append(insts, inst)
	}
	return s.RegisterInstances(ctx, name, insts...)
}

func (s *Service) registerLive(rec LoadBalancer, inst compute.Instance) {
	l := s.liveLB(rec.Name)
	if l == nil || l.group == nil {
		return
	}
	if rec.PathFromTemplate {
		s.adoptTemplatePath(rec, l, inst)
	}
	if err := l.group.Register(lb.Target{ID: inst.ID, Address: inst.Address}); err != nil {
		slog.Warn("registering a target", "lb", rec.Name, "instance", inst.ID, "err", err)
	}
}

// adoptTemplatePath checks targets on their launch template's health path
// when the load balancer was given none, as a template's health check
// describes how its instances are checked.
func (s *Service) adoptTemplatePath(rec LoadBalancer, l *liveLB, inst compute.Instance) {
	v, err := s.compute.ResolveVersion(context.Background(), inst.Template, strconv.Itoa(inst.TemplateVersion))
	// A template deleted and made again under the same name is another
	// template: its path says nothing of this instance.
	if err != nil || v.Health.Path == "" || (inst.TemplateID != "" && v.TemplateID != inst.TemplateID) {
		return
	}
	cfg := s.targetGroupConfig(rec)
	if cfg.HealthCheck.Path == v.Health.Path {
		return
	}
	cfg.HealthCheck.Path = v.Health.Path
	if err := l.group.Update(cfg); err == nil {
		rec.HealthCheck.Path = v.Health.Path
		_ = s.db.Update(func(tx *store.Tx) error {
			cur, err := store.Get[LoadBalancer](tx, kindLoadBalancer, rec.Name)
			if err != nil {
				return err
			}
			cur.HealthCheck.Path = v.Health.Path
			_, err = tx.Put(kindLoadBalancer, rec.Name, cur)
			return err
		})
	}
}

// Deregister takes instances out of a load balancer. With wait, it returns
// once they have drained.
func (s *Service) Deregister(ctx context.Context, name string, ids []string, wait bool) error {
	rec, err := s.getTargetGroup(ctx, name)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(rec.Targets, id) {
			return errdefs.NotFound("instance %s is not a target of %s: see 'cattle lb targets %s'", id, name, name)
		}
	}
	chans := s.deregister(name, ids)
	if wait {
		waitAll(ctx, chans, time.Duration(rec.DeregistrationDelay)+time.Second)
	}
	return nil
}

// deregister removes ids from a load balancer's record and starts draining them.
func (s *Service) deregister(name string, ids []string) []<-chan struct{} {
	err := s.db.Update(func(tx *store.Tx) error {
		rec, err := store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if i := slices.Index(rec.Targets, id); i >= 0 {
				rec.Targets = slices.Delete(rec.Targets, i, i+1)
				if _, err := tx.Append(store.Event{Kind: "lb.deregister", Resource: "lb/" + name,
					Message: fmt.Sprintf("%s deregistered from %s: draining", id, name), Fields: map[string]string{"instance": id}}); err != nil {
					return err
				}
			}
		}
		_, err = tx.Put(kindLoadBalancer, name, rec)
		return err
	})
	if err != nil {
		slog.Warn("deregistering targets", "lb", name, "err", err)
	}
	l := s.liveLB(name)
	if l == nil || l.group == nil {
		return nil
	}
	var chans []<-chan struct{}
	for _, id := range ids {
		chans = append(chans, l.group.Deregister(id))
	}
	return chans
}

// lbsOf returns the load balancers an instance is a target of.
func (s *Service) lbsOf(id string) []LoadBalancer {
	all, err := s.List(context.Background())
	if err != nil {
		return nil
	}
	var out []LoadBalancer
	for _, rec := range all {
		if slices.Contains(rec.Targets, id) {
			out = append(out, rec)
		}
	}
	return out
}

// BeforeStop drains an instance from every load balancer it is in; compute
// calls it before the instance's container stops, so that no request in
// flight is cut off.
func (s *Service) BeforeStop(ctx context.Context, inst compute.Instance) {
	var chans []<-chan struct{}
	longest := time.Duration(0)
	for _, rec := range s.lbsOf(inst.ID) {
		chans = append(chans, s.deregister(rec.Name, []string{inst.ID})...)
		longest = max(longest, time.Duration(rec.DeregistrationDelay))
	}
	if len(chans) > 0 {
		waitAll(ctx, chans, longest+time.Second)
	}
}

// InstanceChanged takes an instance that stopped running out of its load
// balancers (no wait: there is nothing left to drain).
func (s *Service) InstanceChanged(inst compute.Instance) {
	if inst.State == compute.StateRunning || inst.State == compute.StateShuttingDown || inst.State == compute.StatePending {
		return
	}
	for _, rec := range s.lbsOf(inst.ID) {
		s.deregister(rec.Name, []string{inst.ID})
	}
}

// Stats returns a load balancer's counters.
func (s *Service) Stats(ctx context.Context, name string) (Stats, error) {
	rec, err := s.Get(ctx, name)
	if err != nil {
		return Stats{}, err
	}
	if !rec.Listening() {
		return Stats{}, errdefs.Conflict("%s has no listener, so no traffic to count: see its targets with 'cattle lb targets %s'", name, name)
	}
	l := s.liveLB(name)
	if l == nil || l.lb == nil {
		return Stats{}, errdefs.Conflict("load balancer %s is not running", name)
	}
	st := l.lb.Stats()
	out := Stats{Requests: st.Requests, Responses: st.Responses, Errors: st.Errors, ActiveConnections: st.ActiveConnections,
		Latency: Latency{Count: st.Latency.Count, Mean: Duration(st.Latency.Mean()), P50: Duration(st.Latency.P50()),
			P90: Duration(st.Latency.P90()), P99: Duration(st.Latency.P99())},
		Targets: map[string]TargetStats{}}
	for id, t := range st.Targets {
		out.Targets[id] = TargetStats{Requests: t.Requests, Responses: t.Responses, Errors: t.Errors, Active: t.Active}
	}
	return out, nil
}

// LiveStats returns the engine's own counters of a running load balancer,
// with its latency histogram's buckets (what Prometheus reads); false when
// no such load balancer runs.
func (s *Service) LiveStats(name string) (lb.Stats, bool) {
	l := s.liveLB(name)
	if l == nil {
		return lb.Stats{}, false
	}
	return l.lb.Stats(), true
}

// TargetRequests returns, by instance id, how many requests each target of
// the load balancer's target group has been sent since it was registered:
// the counters AWS's RequestCountPerTarget is made of.
func (s *Service) TargetRequests(ctx context.Context, name string) (map[string]int64, error) {
	l := s.liveLB(name)
	if l == nil || l.group == nil {
		if err := s.Check(ctx, name); err != nil {
			return nil, err
		}
		return nil, errdefs.Conflict("target group %s is not running: restart the daemon with 'cattle up'", name)
	}
	out := map[string]int64{}
	for id, t := range l.group.TargetStats() {
		out[id] = t.Requests
	}
	return out, nil
}

// ValidateWeights checks forwards' weights: each 0-999, not all 0.
// Scenario checks call it too.
func ValidateWeights(fs []Forward) error {
	total := 0
	for _, f := range fs {
		if f.Weight < 0 || f.Weight > 999 {
			return errdefs.Invalid("weight %d for %s is out of range: use 0-999", f.Weight, f.TargetGroup)
		}
		total += f.Weight
	}
	if total == 0 {
		return errdefs.Invalid("every weight is 0: at least one target group must get traffic")
	}
	return nil
}

// checkForwards refuses forwards that are not a valid weighted forward to
// existing target groups.
func (s *Service) checkForwards(ctx context.Context, fs []Forward) error {
	if len(fs) == 0 {
		return errdefs.Invalid("no forwards given: name at least one target group with --to NAME=WEIGHT")
	}
	if err := ValidateWeights(fs); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.TargetGroup] {
			return errdefs.Invalid("target group %s is given twice: give each target group once", f.TargetGroup)
		}
		seen[f.TargetGroup] = true
		if _, err := s.getTargetGroup(ctx, f.TargetGroup); err != nil {
			return err
		}
	}
	return nil
}

// SetForwards sets the weighted forwards of a load balancer's listener:
// each names a target group that gets that share of the requests.
func (s *Service) SetForwards(ctx context.Context, name string, fs []Forward) (LoadBalancer, error) {
	if err := s.checkForwards(ctx, fs); err != nil {
		return LoadBalancer{}, err
	}
	var rec LoadBalancer
	err := s.db.Update(func(tx *store.Tx) (err error) {
		rec, err = store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		if err != nil || !rec.HasLoadBalancer() {
			return errdefs.NotFound("load balancer %q does not exist", name)
		}
		if !rec.Listening() {
			return errdefs.Conflict("load balancer %s has no listener: create one first", name)
		}
		rec.Forwards = fs
		if _, err := tx.Put(kindLoadBalancer, name, rec); err != nil {
			return err
		}
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprintf("%s=%d", f.TargetGroup, f.Weight))
		}
		_, err = tx.Append(store.Event{Kind: "lb.forwards", Resource: "lb/" + name,
			Message: fmt.Sprintf("load balancer %s forwards to %s", name, strings.Join(parts, ", "))})
		return err
	})
	if err != nil {
		return rec, err
	}
	s.applyForwards(rec)
	return rec, nil
}

func (s *Service) applyForwards(rec LoadBalancer) {
	l := s.liveLB(rec.Name)
	if l == nil || l.lb == nil {
		return
	}
	var fs []lb.Forward
	for _, f := range rec.Forwards {
		if g := s.liveLB(f.TargetGroup); g != nil && g.group != nil {
			fs = append(fs, lb.Forward{Group: g.group, Weight: f.Weight})
		}
	}
	if len(fs) > 0 {
		l.lb.SetForwards(fs...)
	}
}
