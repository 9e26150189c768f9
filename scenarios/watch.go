package scenarios

import (
	"context"
	"sync"
	"time"
)

// Sampler is an expectation that must hold all through a window (an
// invariant: "never fewer than 3 in service during the refresh"). The run
// samples it while its window is open: from the start (during:, from:) or
// the end (since:) of an earlier step, until that step ends (during:) or
// the expectation's own turn comes. Execute then judges the samples
// (Run.Samples).
type Sampler interface {
	Executor
	SampleWindow() Window
	// Sample looks once: the value, and what it saw, for evidence.
	Sample(ctx context.Context, r *Run) (value int, detail string, err error)
}

// Sample is one look at an invariant's value.
type Sample struct {
	At     time.Time
	Value  int
	Detail string
	Err    error
}

// SampleInterval is how often an open window is sampled.
const SampleInterval = 100 * time.Millisecond

// sampleTimeout bounds one look, so that a slow answer does not stall the
// window's samples.
const sampleTimeout = 2 * time.Second

// watch samples one invariant while its window is open.
type watch struct {
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	samples []Sample
}

// StepStarting opens the windows that open as st starts, and closes the
// window of st itself when it is an invariant about to be judged.
func (r *Run) StepStarting(ctx context.Context, st *Step) {
	if s, ok := st.Exec.(Sampler); ok {
		r.closeWatch(s)
	}
	r.eachSampler(st, func(s Sampler, w Window) {
		if ref, atStart := w.Start(); ref != nil && atStart && ref.Index == st.Number {
			r.openWatch(ctx, s)
		}
	})
}

// StepEnded closes the windows of `during: st` and opens those of
// `since: st`.
func (r *Run) StepEnded(ctx context.Context, st *Step) {
	r.eachSampler(st, func(s Sampler, w Window) {
		if w.During != nil && w.During.Index == st.Number {
			r.closeWatch(s)
		}
		if w.Since != nil && w.Since.Index == st.Number {
			r.openWatch(ctx, s)
		}
	})
}

// StopWatches closes every window still open: the run is over.
func (r *Run) StopWatches() {
	r.mu.Lock()
	var open []Sampler
	for s := range r.watches {
		open = append(open, s)
	}
	r.mu.Unlock()
	for _, s := range open {
		r.closeWatch(s)
	}
}

// Samples returns what the run saw of an invariant's window, oldest first.
func (r *Run) Samples(s Sampler) []Sample {
	r.mu.Lock()
	w := r.watches[s]
	r.mu.Unlock()
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Sample(nil), w.samples...)
}

// eachSampler calls fn for the invariants among the steps, when st is one
// of the steps their windows name.
func (r *Run) eachSampler(st *Step, fn func(Sampler, Window)) {
	if st.Section != "steps" || r.Scenario == nil {
		return
	}
	for _, other := range r.Scenario.Steps {
		if s, ok := other.Exec.(Sampler); ok {
			fn(s, s.SampleWindow())
		}
	}
}

func (r *Run) openWatch(ctx context.Context, s Sampler) {
	wctx, cancel := context.WithCancel(ctx)
	w := &watch{cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	if r.watches == nil {
		r.watches = map[Sampler]*watch{}
	}
	r.watches[s] = w
	r.mu.Unlock()
	go func() {
		defer close(w.done)
		tick := time.NewTicker(SampleInterval)
		defer tick.Stop()
		for {
			w.take(wctx, r, s)
			select {
			case <-wctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// take samples once; a look cut short by the window closing is dropped.
func (w *watch) take(ctx context.Context, r *Run, s Sampler) {
	sctx, cancel := context.WithTimeout(ctx, sampleTimeout)
	defer cancel()
	v, detail, err := s.Sample(sctx, r)
	if ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	w.samples = append(w.samples, Sample{At: time.Now(), Value: v, Detail: detail, Err: err})
	w.mu.Unlock()
}

// closeWatch stops sampling; the samples stay for Execute.
func (r *Run) closeWatch(s Sampler) {
	r.mu.Lock()
	w := r.watches[s]
	r.mu.Unlock()
	if w != nil {
		w.cancel()
		<-w.done
	}
}
