package testutil

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EngineProxy forwards a unix socket to the Docker engine's, and can cut
// the line and restore it: a daemon pointed at it sees the engine go away
// and come back without the engine itself restarting.
type EngineProxy struct {
	path   string // the proxy's socket
	target string // the engine's socket

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

// StartEngineProxy listens on a socket in a temporary folder and forwards
// each connection to the engine's socket (DOCKER_HOST when it is a unix
// address, else /var/run/docker.sock). It is closed when the test ends.
func StartEngineProxy(t testing.TB) *EngineProxy {
	t.Helper()
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		target = strings.TrimPrefix(h, "unix://")
	} else if h != "" {
		t.Skipf("DOCKER_HOST %s is not a unix socket: the engine proxy forwards unix sockets only", h)
	}
	dir, err := os.MkdirTemp("", "cattle-engine-proxy-")
	if err != nil {
		t.Fatal(err)
	}
	p := &EngineProxy{path: filepath.Join(dir, "docker.sock"), target: target, conns: map[net.Conn]bool{}}
	if err := p.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Cut()
		os.RemoveAll(dir)
	})
	return p
}

// Host is the proxy's address, as DOCKER_HOST spells it.
func (p *EngineProxy) Host() string { return "unix://" + p.path }

// Cut closes the listener (its socket goes, so new connections are
// refused) and every open connection, as an engine that stops does.
func (p *EngineProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore listens again on the same socket.
func (p *EngineProxy) Restore() error {
	p.mu.Lock()
	up := p.ln != nil
	p.mu.Unlock()
	if up {
		return nil
	}
	return p.listen()
}

func (p *EngineProxy) listen() error {
	_ = os.Remove(p.path)
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
	return nil
}

func (p *EngineProxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

// forward copies both ways until either side closes or Cut closes both.
func (p *EngineProxy) forward(c net.Conn) {
	e, err := net.Dial("unix", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, e) {
		return
	}
	defer p.untrack(c, e)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(e, c)
	go pipe(c, e)
	<-done
	<-done
}

// track records a connection pair, or closes it when the line was cut
// meanwhile.
func (p *EngineProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *EngineProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		if p.conns[c] {
			c.Close()
			delete(p.conns, c)
		}
	}
}
