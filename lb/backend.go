package lb

import (
	"bufio"
	"net"
	"sync"
	"time"
)

const (
	// dialTimeout is how long connecting to a target may take, as an
	// ALB's 10s connection timeout.
	dialTimeout = 10 * time.Second
	// maxIdlePerTarget keep-alive connections wait in a target's pool:
	// enough for hundreds of requests per second without dialling.
	maxIdlePerTarget = 256
	// idleConnTimeout drops pooled connections unused this long, before
	// a target's own keep-alive timeout is likely to.
	idleConnTimeout = 50 * time.Second
	connBufSize     = 8 << 10
)

// backendConn is a keep-alive connection to a target.
type backendConn struct {
	c        net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	idleFrom time.Time
	reused   bool // served a request before: it may have been closed by the target meanwhile
	head     head
	resp     respInfo
}

// connPool holds a target's idle connections. Requests take and return
// them on their own goroutine: no goroutine per connection, no hand-off.
type connPool struct {
	mu     sync.Mutex
	idle   []*backendConn
	closed bool
}

func (p *connPool) get(addr string) (*backendConn, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		bc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(bc.idleFrom) < idleConnTimeout {
			p.mu.Unlock()
			bc.reused = true
			return bc, nil
		}
		bc.c.Close()
	}
	p.mu.Unlock()
	c, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	return &backendConn{c: c, br: bufio.NewReaderSize(c, connBufSize), bw: bufio.NewWriterSize(c, connBufSize)}, nil
}

// put returns a connection whose last response was read to the end.
func (p *connPool) put(bc *backendConn) {
	bc.idleFrom = time.Now()
	p.mu.Lock()
	if p.closed || len(p.idle) >= maxIdlePerTarget {
		p.mu.Unlock()
		bc.c.Close()
		return
	}
	p.idle = append(p.idle, bc)
	p.mu.Unlock()
}

// close drops the idle connections and any returned later: the target is
// gone.
func (p *connPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, bc := range idle {
		bc.c.Close()
	}
}
