package observe

import "testing"

// A browser that stops reading fills its queue and is dropped; the others
// go on getting every frame, and the sender never waits.
func TestSlowWatcherIsDroppedWithoutHoldingUpTheOthers(t *testing.T) {
	s := &Stream{subs: map[*subscriber]struct{}{}, done: make(chan struct{})}
	slow := &subscriber{ch: make(chan []byte, subscriberBuffer)}
	fast := &subscriber{ch: make(chan []byte, subscriberBuffer)}
	s.subs[slow], s.subs[fast] = struct{}{}, struct{}{}
	for i := range 3 * subscriberBuffer {
		if !s.broadcast([]byte("frame")) {
			t.Fatalf("frame %d: the stream stopped with a watcher left", i)
		}
		if f := <-fast.ch; string(f) != "frame" {
			t.Fatalf("frame %d: the fast watcher got %q", i, f)
		}
	}
	queued := 0
	for range slow.ch { // closed once dropped
		queued++
	}
	if queued != subscriberBuffer {
		t.Errorf("the slow watcher had %d frames queued, want its buffer's %d", queued, subscriberBuffer)
	}
	if _, ok := s.subs[slow]; ok {
		t.Error("the slow watcher is still subscribed")
	}
	s.unsubscribe(fast)
	if s.broadcast([]byte("frame")) {
		t.Error("the stream goes on sampling with nobody watching")
	}
}
