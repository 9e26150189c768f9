package elb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/lb"
	"github.com/cattle-dev/cattle/store"
)

// This file makes and removes the parts of a record one at a time, as
// AWS's API does (see the package doc): a target group alone, a load
// balancer alone, its listener.

// newID returns the random last part of a new ARN: 16 hex digits.
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// modify changes record name in one transaction and records an event.
func (s *Service) modify(name string, change func(*LoadBalancer) error, kind, msg string) (LoadBalancer, error) {
	var rec LoadBalancer
	err := s.db.Update(func(tx *store.Tx) (err error) {
		rec, err = store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		if errors.Is(err, errdefs.ErrNotFound) {
			return errdefs.NotFound("no load balancer or target group is named %q: see 'cattle lb ls'", name)
		}
		if err != nil {
			return err
		}
		if err := change(&rec); err != nil {
			return err
		}
		if _, err := tx.Put(kindLoadBalancer, name, rec); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: kind, Resource: "lb/" + name, Message: msg})
		return err
	})
	return rec, err
}

// remove deletes record name, stopping its data plane.
func (s *Service) remove(name, kind, msg string) error {
	s.closeLive(name)
	return s.db.Update(func(tx *store.Tx) error {
		if err := tx.Delete(kindLoadBalancer, name); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: kind, Resource: "lb/" + name, Message: msg})
		return err
	})
}

// CreateTargetGroup makes target group req.Name on its own, with no load
// balancer: its health checks run from the first
// registration on. A load balancer of the same name that has no target
// group gets it. req.Port is kept as TargetPort.
func (s *Service) CreateTargetGroup(ctx context.Context, req CreateRequest) (LoadBalancer, error) {
	targetPort := req.Port
	req.Port = 0
	tg, err := s.withDefaults(req)
	if err != nil {
		return tg, err
	}
	tg.TargetPort = targetPort
	group, err := lb.NewTargetGroup(s.targetGroupConfig(tg))
	if err != nil {
		return tg, errdefs.Invalid("%v", err)
	}
	var rec LoadBalancer
	err = s.db.Update(func(tx *store.Tx) error {
		cur, err := store.Get[LoadBalancer](tx, kindLoadBalancer, tg.Name)
		switch {
		case err == nil && cur.HasTargetGroup():
			return errdefs.Conflict("target group %q already exists: remove it first or choose another name", tg.Name)
		case err == nil:
			rec = cur
			rec.NoTargetGroup = false
			rec.Algorithm, rec.HealthCheck, rec.PathFromTemplate = tg.Algorithm, tg.HealthCheck, tg.PathFromTemplate
			rec.DeregistrationDelay, rec.SlowStart, rec.Targets, rec.TargetGroupID = tg.DeregistrationDelay, tg.SlowStart, []string{}, tg.TargetGroupID
			rec.TargetPort = tg.TargetPort
		case errors.Is(err, errdefs.ErrNotFound):
			rec = tg
			rec.TargetGroupOnly, rec.NoListener = true, true
			rec.Address, rec.Port, rec.Forwards, rec.LoadBalancerID, rec.ListenerID = "", 0, nil, "", ""
		default:
			return err
		}
		if _, err := tx.Put(kindLoadBalancer, rec.Name, rec); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: "lb.target_group.created", Resource: "lb/" + rec.Name,
			Message: fmt.Sprintf("target group %s created (%s, health check %s)", rec.Name, rec.Algorithm, rec.HealthCheck.Path)})
		return err
	})
	if err != nil {
		group.Close()
		return rec, err
	}
	s.mu.Lock()
	nl := &liveLB{group: group}
	if old := s.live[rec.Name]; old != nil {
		nl.lb = old.lb
	}
	s.live[rec.Name] = nl
	s.mu.Unlock()
	return rec, nil
}

// CreateLoadBalancer makes load balancer name on its own, in zones, with
// no listener: no port is open until CreateListener. A target group of the
// same name that has no load balancer gets it.
func (s *Service) CreateLoadBalancer(ctx context.Context, name string, zones []string) (LoadBalancer, error) {
	if !lbName.MatchString(name) {
		return LoadBalancer{}, errdefs.Invalid("load balancer name %q is not valid: use letters, digits and '-' (at most 32)", name)
	}
	var rec LoadBalancer
	err := s.db.Update(func(tx *store.Tx) error {
		cur, err := store.Get[LoadBalancer](tx, kindLoadBalancer, name)
		switch {
		case err == nil && cur.HasLoadBalancer():
			return errdefs.Conflict("load balancer %q already exists: remove it first or choose another name", name)
		case err == nil:
			rec = cur
			rec.TargetGroupOnly, rec.NoListener = false, true
		case errors.Is(err, errdefs.ErrNotFound):
			rec = LoadBalancer{Name: name, NoTargetGroup: true, NoListener: true, Targets: []string{}, CreatedAt: time.Now().UTC()}
		default:
			return err
		}
		rec.Zones, rec.LoadBalancerID = zones, newID()
		if _, err := tx.Put(kindLoadBalancer, name, rec); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: "lb.created", Resource: "lb/" + name,
			Message: fmt.Sprintf("load balancer %s created, with no listener yet", name)})
		return err
	})
	return rec, err
}

// CreateListener opens load balancer name's listener on 127.0.0.1:port
// (0: a free port), forwarding by weight to the target groups fs name.
func (s *Service) CreateListener(ctx context.Context, name string, port int, fs []Forward) (LoadBalancer, error) {
	if port < 0 || port > 65535 {
		return LoadBalancer{}, errdefs.Invalid("port %d is out of range: use 1-65535, or 0 for a free one", port)
	}
	if err := s.checkForwards(ctx, fs); err != nil {
		return LoadBalancer{}, err
	}
	if _, err := s.getLoadBalancer(ctx, name); err != nil {
		return LoadBalancer{}, err
	}
	front, err := openListener(LoadBalancer{Name: name, Port: port}, nil)
	if err != nil {
		return LoadBalancer{}, err
	}
	addr := front.Addr()
	_, p, _ := net.SplitHostPort(addr)
	rec, err := s.modify(name, func(r *LoadBalancer) error {
		if !r.HasLoadBalancer() {
			return errdefs.NotFound("load balancer %q does not exist", name)
		}
		if r.Listening() {
			return errdefs.Conflict("load balancer %s already listens on port %d: cattle gives a load balancer one listener; modify or delete that one", name, r.Port)
		}
		r.NoListener, r.Address, r.Forwards, r.ListenerID = false, addr, fs, newID()
		r.Port, _ = strconv.Atoi(p)
		return nil
	}, "lb.listener.created", fmt.Sprintf("load balancer %s listening on http://%s, forwarding to %s", name, addr, forwardNames(fs)))
	if err != nil {
		_ = front.Close(context.Background())
		return rec, err
	}
	s.mu.Lock()
	nl := &liveLB{lb: front}
	if old := s.live[name]; old != nil {
		nl.group = old.group
	}
	s.live[name] = nl
	s.mu.Unlock()
	s.applyForwards(rec)
	return rec, nil
}

// MoveListener moves load balancer name's listener to 127.0.0.1:port (0:
// a free one): the new port opens before the old one closes, and requests
// in flight on the old one finish.
func (s *Service) MoveListener(ctx context.Context, name string, port int) (LoadBalancer, error) {
	if port < 0 || port > 65535 {
		return LoadBalancer{}, errdefs.Invalid("port %d is out of range: use 1-65535, or 0 for a free one", port)
	}
	rec, err := s.getLoadBalancer(ctx, name)
	if err != nil {
		return rec, err
	}
	if !rec.Listening() {
		return rec, errdefs.NotFound("load balancer %q has no listener", name)
	}
	front, err := openListener(LoadBalancer{Name: name, Port: port}, nil)
	if err != nil {
		return LoadBalancer{}, err
	}
	addr := front.Addr()
	_, p, _ := net.SplitHostPort(addr)
	newPort, _ := strconv.Atoi(p)
	rec, err = s.modify(name, func(r *LoadBalancer) error {
		if !r.Listening() {
			return errdefs.NotFound("load balancer %q has no listener", name)
		}
		r.Address, r.Port = addr, newPort
		return nil
	}, "lb.listener.moved", fmt.Sprintf("load balancer %s now listening on http://%s", name, addr))
	if err != nil {
		_ = front.Close(context.Background())
		return rec, err
	}
	s.mu.Lock()
	old := s.live[name]
	nl := &liveLB{lb: front}
	if old != nil {
		nl.group = old.group
	}
	s.live[name] = nl
	s.mu.Unlock()
	s.applyForwards(rec)
	if old != nil && old.lb != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = old.lb.Close(closeCtx)
	}
	return rec, nil
}

// getLoadBalancer returns the record of load balancer name.
func (s *Service) getLoadBalancer(ctx context.Context, name string) (LoadBalancer, error) {
	rec, err := s.Get(ctx, name)
	if err == nil && !rec.HasLoadBalancer() {
		err = errdefs.NotFound("load balancer %q does not exist: %s is a target group alone", name, name)
	}
	return rec, err
}

// closeListener stops name's listener, letting requests in flight finish
// for a few seconds; its target group goes on.
func (s *Service) closeListener(name string) {
	s.mu.Lock()
	old := s.live[name]
	if old != nil && old.group != nil {
		s.live[name] = &liveLB{group: old.group}
	} else {
		delete(s.live, name)
	}
	s.mu.Unlock()
	if old != nil && old.lb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = old.lb.Close(ctx)
	}
}

// dropListener clears the listener part of a record.
func dropListener(r *LoadBalancer) {
	r.NoListener = true
	r.Address, r.Port, r.Forwards, r.ListenerID = "", 0, nil, ""
}

// DeleteListener closes load balancer name's listener.
func (s *Service) DeleteListener(ctx context.Context, name string) error {
	_, err := s.modify(name, func(r *LoadBalancer) error {
		if !r.Listening() {
			return errdefs.NotFound("load balancer %q has no listener", name)
		}
		dropListener(r)
		return nil
	}, "lb.listener.deleted", fmt.Sprintf("load balancer %s stopped listening", name))
	if err == nil {
		s.closeListener(name)
	}
	return err
}

// DeleteLoadBalancer removes load balancer name and its listener; its
// same-named target group, if any, stays with its targets.
func (s *Service) DeleteLoadBalancer(ctx context.Context, name string) error {
	rec, err := s.getLoadBalancer(ctx, name)
	if err != nil {
		return err
	}
	if !rec.HasTargetGroup() {
		return s.remove(name, "lb.deleted", "load balancer "+name+" removed")
	}
	_, err = s.modify(name, func(r *LoadBalancer) error {
		if !r.HasLoadBalancer() {
			return errdefs.NotFound("load balancer %q does not exist", name)
		}
		dropListener(r)
		r.TargetGroupOnly, r.Zones, r.LoadBalancerID = true, nil, ""
		return nil
	}, "lb.deleted", fmt.Sprintf("load balancer %s removed; target group %s stays", name, name))
	if err == nil {
		s.closeListener(name)
	}
	return err
}

// DeleteTargetGroup drains and removes target group name, unless an auto
// scaling group uses it or a listener forwards to it (ResourceInUse); a
// load balancer of the same name stays.
func (s *Service) DeleteTargetGroup(ctx context.Context, name string) error {
	rec, err := s.getTargetGroup(ctx, name)
	if err != nil {
		return err
	}
	if err := s.checkUnused(ctx, name, true); err != nil {
		return err
	}
	s.drainAll(ctx, rec)
	if !rec.HasLoadBalancer() {
		return s.remove(name, "lb.target_group.deleted", "target group "+name+" removed")
	}
	_, err = s.modify(name, func(r *LoadBalancer) error {
		r.NoTargetGroup, r.Targets, r.TargetGroupID, r.TargetPort = true, []string{}, "", 0
		r.HealthCheck, r.DeregistrationDelay, r.SlowStart, r.PathFromTemplate = HealthCheck{}, 0, 0, false
		return nil
	}, "lb.target_group.deleted", fmt.Sprintf("target group %s removed; load balancer %s stays", name, name))
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.live[name]
	if old != nil {
		s.live[name] = &liveLB{lb: old.lb}
	}
	s.mu.Unlock()
	if old != nil && old.group != nil {
		old.group.Close()
	}
	return nil
}

// UpdateTargetGroup changes target group name's settings (health check,
// deregistration delay, slow start, algorithm) with change, checks them as
// Create does, and applies them to the running group at once.
func (s *Service) UpdateTargetGroup(ctx context.Context, name string, change func(*LoadBalancer)) (LoadBalancer, error) {
	rec, err := s.modify(name, func(r *LoadBalancer) error {
		if !r.HasTargetGroup() {
			return errdefs.NotFound("target group %q does not exist", name)
		}
		path := r.HealthCheck.Path
		change(r)
		if r.HealthCheck.Path != path {
			r.PathFromTemplate = false
		}
		return s.checkTargetGroup(*r)
	}, "lb.target_group.modified", fmt.Sprintf("target group %s settings changed", name))
	if err != nil {
		return rec, err
	}
	if l := s.liveLB(name); l != nil && l.group != nil {
		if err := l.group.Update(s.targetGroupConfig(rec)); err != nil {
			return rec, errdefs.Invalid("%v", err)
		}
	}
	return rec, nil
}

// checkTargetGroup refuses target group settings out of range.
func (s *Service) checkTargetGroup(r LoadBalancer) error {
	if !strings.HasPrefix(r.HealthCheck.Path, "/") {
		return errdefs.Invalid("health check path %q must start with /", r.HealthCheck.Path)
	}
	switch r.Algorithm {
	case string(lb.RoundRobin), string(lb.LeastOutstandingRequests):
	default:
		return errdefs.Invalid("unknown algorithm %q: use round_robin or least_outstanding_requests", r.Algorithm)
	}
	if err := RangesFor(s.profile).check(r.HealthCheck, r.SlowStart); err != nil {
		return err
	}
	if d := time.Duration(r.DeregistrationDelay); d < 0 || d > time.Hour {
		return errdefs.Invalid("deregistration delay %s is out of range: use 0s-3600s, as AWS", d)
	}
	g, err := lb.NewTargetGroup(s.targetGroupConfig(r))
	if err != nil {
		return errdefs.Invalid("%v", err)
	}
	g.Close()
	return nil
}

// Profile is the sandbox's timing profile: the AWS front puts AWS's
// seconds on its clock.
func (s *Service) Profile() timing.Profile { return s.profile }
