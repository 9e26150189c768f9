package lb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LoadBalancer is one listener that forwards requests to target groups.
// It speaks HTTP/1.1 (and 1.0) to clients and targets, with keep-alive on
// both sides.
type LoadBalancer struct {
	cfg      Config
	port     string // the listening port, for X-Forwarded-Port
	forwards atomic.Pointer[forwardSet]

	counters    counters
	latency     latencyRecorder
	activeConns atomic.Int64
	closing     atomic.Bool

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*clientConn]struct{}
	served chan struct{} // closed when the accept loop has returned
	wg     sync.WaitGroup
}

// New makes a load balancer; Start makes it listen.
func New(cfg Config, forwards ...Forward) (*LoadBalancer, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	addr, err := listenAddr(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("load balancer %q: %w", cfg.Name, err)
	}
	cfg.Addr = addr
	l := &LoadBalancer{cfg: cfg, conns: map[*clientConn]struct{}{}}
	l.SetForwards(forwards...)
	return l, nil
}

// Start listens on the configured address and serves in the background.
func (l *LoadBalancer) Start() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return fmt.Errorf("load balancer %q is already started on %s", l.cfg.Name, l.ln.Addr())
	}
	if l.closing.Load() {
		return fmt.Errorf("load balancer %q is closed: make a new one", l.cfg.Name)
	}
	ln, err := net.Listen("tcp", l.cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(l.cfg.Addr)
		return fmt.Errorf("load balancer %q: port %s is already in use: choose another with --port: %w", l.cfg.Name, port, err)
	}
	if err != nil {
		return fmt.Errorf("load balancer %q: listening on %s: %w", l.cfg.Name, l.cfg.Addr, err)
	}
	l.ln = ln
	_, l.port, _ = net.SplitHostPort(ln.Addr().String())
	l.served = make(chan struct{})
	go l.accept(ln)
	return nil
}

func (l *LoadBalancer) accept(ln net.Listener) {
	defer close(l.served)
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if l.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors or an aborted handshake: wait and
			// go on rather than stop serving.
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		cc := newClientConn(l, c)
		l.mu.Lock()
		l.conns[cc] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		l.activeConns.Add(1)
		go cc.serve()
	}
}

func (l *LoadBalancer) forget(cc *clientConn) {
	l.activeConns.Add(-1)
	l.mu.Lock()
	delete(l.conns, cc)
	l.mu.Unlock()
	l.wg.Done()
}

// Addr is where the load balancer listens, "127.0.0.1:PORT", with the real
// port once started.
func (l *LoadBalancer) Addr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.cfg.Addr
}

// SetForwards replaces the target groups requests go to, with their weights
// (blue/green, canary). Requests already routed are not affected.
func (l *LoadBalancer) SetForwards(fs ...Forward) {
	l.forwards.Store(newForwardSet(fs))
}

// Stats returns a snapshot of the counters, with per-target counts for the
// targets of the current forwards.
func (l *LoadBalancer) Stats() Stats {
	s := Stats{ActiveConnections: l.activeConns.Load(), Latency: l.latency.snapshot(), Targets: map[string]TargetStats{}}
	s.Requests, s.Responses, s.Errors = l.counters.snapshot()
	for _, g := range l.forwards.Load().groups {
		for id, ts := range g.TargetStats() {
			if prev, ok := s.Targets[id]; ok {
				s.Targets[id] = prev.add(ts)
			} else {
				s.Targets[id] = ts
			}
		}
	}
	return s
}

// Close stops listening at once, closes idle client connections and waits,
// until ctx ends, for requests in flight to finish; then it closes the
// remaining connections. Target groups are not closed: they belong to the
// caller.
func (l *LoadBalancer) Close(ctx context.Context) error {
	l.mu.Lock()
	ln := l.ln
	l.closing.Store(true)
	l.mu.Unlock()
	if ln == nil {
		return nil
	}
	ln.Close()
	<-l.served
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		// Wake connections waiting for a next request: they see closing
		// and end. Repeated, as one may go idle just after a pass.
		l.mu.Lock()
		n := len(l.conns)
		for cc := range l.conns {
			if cc.state.Load() == connIdle {
				cc.c.SetReadDeadline(aLongTimeAgo)
			}
		}
		l.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			l.mu.Lock()
			for cc := range l.conns {
				cc.c.Close()
			}
			l.mu.Unlock()
			l.wg.Wait()
			return fmt.Errorf("load balancer %q: %d connections still busy when closing: %w", l.cfg.Name, n, ctx.Err())
		}
	}
}
