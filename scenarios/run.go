package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// Run is what a step gets: the sandbox it acts on and the state the steps
// of one run share (saved instance names, loads, step times).
type Run struct {
	Client   *api.Client
	Runtime  sandbox.Runtime
	Sandbox  string
	StateDir string
	// Binary is the cattle binary; exec steps see it as $CATTLE.
	Binary   string
	Scenario *Scenario
	Started  time.Time
	// HTTP reaches the instances' demo apps (loopback only).
	HTTP *http.Client

	mu       sync.Mutex
	saved    map[string][]string
	loads    map[string]*loadgen.Load
	loadList []string
	times    map[int]StepTime
	notes    func(string)
	cleanups []func(context.Context) error
	watches  map[Sampler]*watch
}

// StepTime is when a step ran.
type StepTime struct {
	Start, End time.Time
}

// RunConfig is what a Run is made from.
type RunConfig struct {
	Client   *api.Client
	Runtime  sandbox.Runtime
	Sandbox  string
	StateDir string
	Binary   string
}

// NewRun prepares the shared state of one run of sc.
func NewRun(sc *Scenario, cfg RunConfig) *Run {
	return &Run{
		Client: cfg.Client, Runtime: cfg.Runtime, Sandbox: cfg.Sandbox, StateDir: cfg.StateDir,
		Binary: cfg.Binary, Scenario: sc, Started: time.Now(),
		HTTP:  loadgen.LoopbackClient(5 * time.Second),
		saved: map[string][]string{}, loads: map[string]*loadgen.Load{}, times: map[int]StepTime{},
	}
}

// Notef records what a step did or saw, for the timeline and the journal:
// "removed the container of i-0abc (zone-b)".
func (r *Run) Notef(format string, args ...any) {
	r.mu.Lock()
	notes := r.notes
	r.mu.Unlock()
	if notes != nil {
		notes(fmt.Sprintf(format, args...))
	}
}

// SetNotes sets where Notef goes (the runner points it at the current step).
func (r *Run) SetNotes(fn func(string)) {
	r.mu.Lock()
	r.notes = fn
	r.mu.Unlock()
}

// Save names a set of instances for later steps ($name).
func (r *Run) Save(name string, ids []string) {
	if name == "" {
		return
	}
	r.mu.Lock()
	r.saved[name] = append([]string(nil), ids...)
	r.mu.Unlock()
}

// Saved returns the instances saved under name.
func (r *Run) Saved(name string) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, ok := r.saved[name]
	return ids, ok
}

// AddLoad records a started load under its name.
func (r *Run) AddLoad(name string, l *loadgen.Load) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.loads[name]; ok && old.Running() {
		return fmt.Errorf("load %s is already running: stop it first", name)
	}
	if _, ok := r.loads[name]; !ok {
		r.loadList = append(r.loadList, name)
	}
	r.loads[name] = l
	return nil
}

// Load returns the load named name.
func (r *Run) Load(name string) (*loadgen.Load, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.loads[name]
	if !ok {
		return nil, fmt.Errorf("no load is named %s: start one with - load: {name: %s, ...}", name, name)
	}
	return l, nil
}

// NamedLoad is a load and its name.
type NamedLoad struct {
	Name string
	Load *loadgen.Load
}

// Loads lists the loads in the order they started.
func (r *Run) Loads() []NamedLoad {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]NamedLoad, 0, len(r.loadList))
	for _, name := range r.loadList {
		out = append(out, NamedLoad{Name: name, Load: r.loads[name]})
	}
	return out
}

// StopLoads stops every load still running.
func (r *Run) StopLoads() {
	var wg sync.WaitGroup
	for _, nl := range r.Loads() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nl.Load.Stop()
		}()
	}
	wg.Wait()
}

// MarkStep records when a step of the steps section ran.
func (r *Run) MarkStep(number int, t StepTime) {
	r.mu.Lock()
	r.times[number] = t
	r.mu.Unlock()
}

// Window turns a Window into times; a zero time is an open bound.
func (r *Run) Window(w Window) (from, to time.Time, err error) {
	at := func(ref *StepRef) (StepTime, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		t, ok := r.times[ref.Index]
		if !ok || t.End.IsZero() {
			return t, fmt.Errorf("step %s has not run", ref.Text)
		}
		return t, nil
	}
	if w.During != nil {
		t, err := at(w.During)
		return t.Start, t.End, err
	}
	if ref, atStart := w.Start(); ref != nil {
		t, err := at(ref)
		if err != nil {
			return from, to, err
		}
		from = t.End
		if atStart {
			from = t.Start
		}
	}
	if w.Until != nil {
		t, err := at(w.Until)
		if err != nil {
			return from, to, err
		}
		to = t.Start
	}
	return from, to, nil
}

// OnCleanup registers an undo for something a step made. Against a running
// daemon the runner calls them at the end (last first); an ephemeral
// sandbox is removed whole instead.
func (r *Run) OnCleanup(fn func(ctx context.Context) error) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, fn)
	r.mu.Unlock()
}

// Cleanup runs the registered undos, last first.
func (r *Run) Cleanup(ctx context.Context) error {
	r.mu.Lock()
	fns := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	var errs []error
	for i := len(fns) - 1; i >= 0; i-- {
		errs = append(errs, fns[i](ctx))
	}
	return errors.Join(errs...)
}

// SavedNames lists the saved names and their instances, for the journal.
func (r *Run) SavedNames() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]string, len(r.saved))
	for k, v := range r.saved {
		out[k] = append([]string(nil), v...)
	}
	return out
}
