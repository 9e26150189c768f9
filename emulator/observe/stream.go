package observe

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Bounds of the event stream: what one browser may have queued before it
// is dropped, how long one write may take, how many browsers may watch at
// once, and how much history a new one is sent.
const (
	subscriberBuffer = 8
	writeTimeout     = 5 * time.Second
	maxSubscribers   = 32
	historyPoints    = 120
	historyEvents    = 200
	keepAlive        = 15 * time.Second
)

// Stream feeds dashboards: one reader samples the sandbox every interval
// while anyone watches, and hands the same frame to every browser without
// ever waiting for one. A browser whose queue is full is dropped (its page
// reconnects and starts again from a fresh hello).
type Stream struct {
	src      Source
	interval time.Duration

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	running bool
	closed  bool
	done    chan struct{}

	// Only the sampling goroutine touches these, and subscribe under mu.
	rates   *rates
	history []point
	events  []eventView
	seen    uint64
}

type subscriber struct{ ch chan []byte }

// NewStream returns a stream sampling src every interval.
func NewStream(src Source, interval time.Duration) *Stream {
	s := &Stream{src: src, interval: interval, subs: map[*subscriber]struct{}{}, done: make(chan struct{})}
	if last, err := src.DB.LastEventSeq(); err == nil && last > historyEvents {
		s.seen = last - historyEvents
	}
	return s
}

// Close ends every stream being served: the daemon is stopping.
func (s *Stream) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

func frame(kind string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("dashboard: encoding a frame", "err", err)
		return nil
	}
	return append(append([]byte("event: "+kind+"\ndata: "), b...), '\n', '\n')
}

type hello struct {
	Interval int64       `json:"interval_ms"`
	History  []point     `json:"history"`
	Events   []eventView `json:"events"`
}

type update struct {
	View   view        `json:"view"`
	Point  *point      `json:"point,omitempty"` // none at a first reading: no rate yet
	Events []eventView `json:"events"`
}

func (s *Stream) subscribe() (*subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errdefs.ErrUnavailable
	}
	if len(s.subs) >= maxSubscribers {
		return nil, errdefs.ErrUnavailable
	}
	sub := &subscriber{ch: make(chan []byte, subscriberBuffer)}
	sub.ch <- frame("hello", hello{Interval: s.interval.Milliseconds(),
		History: append([]point{}, s.history...), Events: append([]eventView{}, s.events...)})
	s.subs[sub] = struct{}{}
	if !s.running {
		s.running = true
		go s.run()
	}
	return sub, nil
}

func (s *Stream) unsubscribe(sub *subscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[sub]; ok {
		delete(s.subs, sub)
		close(sub.ch)
	}
}

// run samples while anyone watches.
func (s *Stream) run() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	s.rates = nil // a rate across the time nobody watched means nothing
	for {
		f := s.sample()
		if !s.broadcast(f) {
			return
		}
		select {
		case <-t.C:
		case <-s.done:
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
			return
		}
	}
}

// broadcast hands f to every subscriber without blocking; false when
// nobody watches any more (the sampler then stops).
func (s *Stream) broadcast(f []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.subs) == 0 || s.closed {
		s.running = false
		return false
	}
	if f == nil {
		return true
	}
	for sub := range s.subs {
		select {
		case sub.ch <- f:
		default: // too slow: dropped, and its handler returns
			delete(s.subs, sub)
			close(sub.ch)
		}
	}
	return true
}

func (s *Stream) sample() []byte {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := s.src.read(ctx)
	if err != nil {
		slog.Warn("dashboard: reading the sandbox's state", "err", err)
		return nil
	}
	s.rates = newRates(s.rates, st.time)
	v, p := buildView(st, s.rates)
	evs, err := s.src.DB.Events(s.seen, historyEvents)
	if err != nil {
		evs = nil
	}
	nev := eventsOf(evs)
	if len(evs) > 0 {
		s.seen = evs[len(evs)-1].Seq
	}
	var pp *point
	s.mu.Lock()
	if s.rates.last != nil {
		pp = &p
		s.history = append(s.history, p)
		s.history = s.history[max(len(s.history)-historyPoints, 0):]
	}
	s.events = append(s.events, nev...)
	s.events = s.events[max(len(s.events)-historyEvents, 0):]
	s.mu.Unlock()
	return frame("update", update{View: v, Point: pp, Events: nev})
}

// ServeHTTP serves the stream as server-sent events.
func (s *Stream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sub, err := s.subscribe()
	if err != nil {
		http.Error(w, "the dashboard stream is not available: too many watchers, or the daemon is stopping", http.StatusServiceUnavailable)
		return
	}
	defer s.unsubscribe(sub)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	for {
		var f []byte
		select {
		case b, ok := <-sub.ch:
			if !ok {
				return // dropped: too slow
			}
			f = b
		case <-ping.C:
			f = []byte(": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(f); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
