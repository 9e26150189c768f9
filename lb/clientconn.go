package lb

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// readHeaderTimeout bounds how long a client may take to send a request
// head once it started, so slow clients cannot hold connections
// (slowloris). A variable for tests.
var readHeaderTimeout = 10 * time.Second

const (
	// watchAfter is how long a request may wait on its target before the
	// client connection is watched for a hang-up. Fast requests never pay
	// for the watch.
	watchAfter = 20 * time.Millisecond
)

// Connection states, for Close to find the idle ones.
const (
	connActive int32 = iota
	connIdle
)

// aLongTimeAgo is a deadline in the past: it wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// clientConn serves one client connection: requests one after the other
// (pipelined ones too), each proxied on this goroutine.
type clientConn struct {
	l        *LoadBalancer
	c        net.Conn
	cr       clientReader
	br       *bufio.Reader
	bw       *bufio.Writer
	clientIP string
	state    atomic.Int32

	req head
	ri  reqInfo

	watch watcher
}

// targetFailure is why a target did not take a request: it refused the
// connection, or closed it without a byte of answer to a request that may
// be sent twice. Another target may take it then.
type targetFailure struct {
	err     error // nil: the target took the request
	dialing bool  // the connection itself failed
}

// The client connections' buffers are pooled: a client that opens a
// connection per request would otherwise cost 16 KiB of fresh buffers
// each time.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, connBufSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, connBufSize) }}
)

func newClientConn(l *LoadBalancer, c net.Conn) *clientConn {
	cc := &clientConn{l: l, c: c}
	cc.cr.c = c
	cc.br = readers.Get().(*bufio.Reader)
	cc.br.Reset(&cc.cr)
	cc.bw = writers.Get().(*bufio.Writer)
	cc.bw.Reset(c)
	cc.clientIP, _, _ = net.SplitHostPort(c.RemoteAddr().String())
	return cc
}

// clientReader reads the connection, first giving back a byte the
// watcher read while looking for a hang-up (a pipelined request).
type clientReader struct {
	c      net.Conn
	pushed bool
	b      byte
}

func (r *clientReader) Read(p []byte) (int, error) {
	if r.pushed && len(p) > 0 {
		p[0], r.pushed = r.b, false
		return 1, nil
	}
	return r.c.Read(p)
}

func (cc *clientConn) serve() {
	defer cc.release()
	defer cc.l.forget(cc)
	defer cc.c.Close()
	for !cc.l.closing.Load() {
		cc.state.Store(connIdle)
		if cc.br.Buffered() == 0 {
			cc.c.SetReadDeadline(time.Now().Add(cc.l.cfg.IdleTimeout))
			if _, err := cc.br.Peek(1); err != nil {
				return // idle timeout, client gone, or Close
			}
		}
		cc.state.Store(connActive)
		if !cc.headBuffered() {
			cc.c.SetReadDeadline(time.Now().Add(readHeaderTimeout))
		}
		if err := cc.req.read(cc.br); err != nil {
			switch {
			case errors.Is(err, errHeadTooLarge):
				cc.badRequest(http.StatusRequestHeaderFieldsTooLarge, err)
			case errors.Is(err, errBadHead):
				cc.badRequest(http.StatusBadRequest, err)
			}
			return // otherwise a timeout or a hang-up mid-head: nobody to answer
		}
		// The read deadline stays: only a body read follows, which pushes
		// it on, and the watcher, which clears it.
		if !cc.serveRequest() {
			return
		}
	}
}

// release gives the buffers back once the connection is done: nothing
// else uses them then (a tunnel waits for its copy to end).
func (cc *clientConn) release() {
	cc.br.Reset(nil)
	cc.bw.Reset(nil)
	readers.Put(cc.br)
	writers.Put(cc.bw)
	cc.br, cc.bw = nil, nil
}

// headBuffered says the whole next request head is already in the
// buffer: reading it cannot block, so it needs no deadline of its own.
func (cc *clientConn) headBuffered() bool {
	buf, _ := cc.br.Peek(cc.br.Buffered())
	return bytes.Contains(buf, []byte("\r\n\r\n"))
}

func (cc *clientConn) badRequest(status int, err error) {
	cc.ri = reqInfo{}
	cc.l.counters.record(status, noCause)
	cc.writeLocalError(status, nil, err.Error(), true)
}

// watcher notices a client hanging up while its request waits on a
// target, and then closes the target connection: the target sees its
// request cancelled. It starts only for requests slower than watchAfter.
type watcher struct {
	mu      sync.Mutex
	timer   *time.Timer
	armed   bool
	running bool
	done    chan struct{}
	target  *backendConn
	gone    atomic.Bool
}

func (cc *clientConn) armWatch(bc *backendConn) {
	w := &cc.watch
	w.gone.Store(false)
	w.mu.Lock()
	w.armed, w.target = true, bc
	w.mu.Unlock()
	if w.timer == nil {
		w.timer = time.AfterFunc(watchAfter, cc.watchClient)
	} else {
		w.timer.Reset(watchAfter)
	}
}

// watchClient runs on the timer's goroutine: it blocks reading the client
// until stopWatch wakes it, the client sends more (kept for later), or the
// client hangs up.
func (cc *clientConn) watchClient() {
	w := &cc.watch
	w.mu.Lock()
	if !w.armed {
		w.mu.Unlock()
		return
	}
	w.armed, w.running = false, true
	done, bc := make(chan struct{}), w.target
	w.done = done
	w.mu.Unlock()
	defer close(done)
	cc.c.SetReadDeadline(time.Time{}) // the request head's deadline is over
	var b [1]byte
	n, err := cc.c.Read(b[:])
	switch {
	case n == 1:
		cc.cr.pushed, cc.cr.b = true, b[0]
	case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
		w.gone.Store(true)
		bc.c.Close()
	}
}

// stopWatch ends the watch; after it the connection is this goroutine's
// alone again.
func (cc *clientConn) stopWatch() {
	w := &cc.watch
	if w.timer == nil {
		return
	}
	w.timer.Stop()
	w.mu.Lock()
	w.armed = false
	running, done := w.running, w.done
	w.running = false
	w.mu.Unlock()
	if running {
		cc.c.SetReadDeadline(aLongTimeAgo)
		<-done
		cc.c.SetReadDeadline(time.Time{})
	}
}
