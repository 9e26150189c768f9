package scenarios

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
)

// Executor is a decoded step: an action does something, an expectation
// checks something (a nil error means it holds; the error is the evidence
// when it does not). The runner checks an expectation again until it holds
// when the step has `within`.
type Executor interface {
	Execute(ctx context.Context, r *Run) error
}

// Validator is implemented by step parameters that check themselves after
// decoding; return FieldError to point at one key.
type Validator interface {
	Validate() error
}

// Kind is one registered step: an action under its own YAML key, or an
// expectation under `expect:`, recognised by its subject (the first key)
// and one of its check keys.
type Kind struct {
	Key         string   // the action's YAML key, or the expectation's name
	Expectation bool     // read under expect:
	Subject     string   // expectations: the first key, e.g. "load"
	Checks      []string // expectations: the keys that pick this kind among its subject's
	Summary     string   // one line for people
	Example     string   // a line of YAML
	Shorthand   string   // the key a bare scalar fills: `wait: 5s`
	Section     string   // the setup section whose entries are this action ("templates")
	Order       int      // setup sections run in ascending order
	Needs       *Need    // a service the sandbox must offer, checked before the steps run
	params      reflect.Type
}

// Need is a service of the sandbox some steps use, with a probe that tells
// whether the daemon offers it: a scenario needing one that is missing is
// refused before its first step rather than failing half-way.
type Need struct {
	Name  string
	Probe func(ctx context.Context, r *Run) error
}

// Needs makes a kind depend on a service of the sandbox.
func Needs(n *Need) Option { return func(k *Kind) { k.Needs = n } }

// Option configures a registration.
type Option func(*Kind)

// Doc gives a kind its summary and an example.
func Doc(summary, example string) Option {
	return func(k *Kind) { k.Summary, k.Example = summary, example }
}

// Shorthand lets a scalar stand for the whole step: `wait: 5s` fills key.
func Shorthand(key string) Option { return func(k *Kind) { k.Shorthand = key } }

// SetupSection makes the action the reader of a setup section; sections run
// in ascending order.
func SetupSection(section string, order int) Option {
	return func(k *Kind) { k.Section, k.Order = section, order }
}

// Checks names the keys that pick an expectation among those of its subject.
func Checks(keys ...string) Option { return func(k *Kind) { k.Checks = keys } }

var registry = struct {
	sync.Mutex
	actions  map[string]*Kind
	expects  map[string]*Kind
	sections map[string]*Kind
}{actions: map[string]*Kind{}, expects: map[string]*Kind{}, sections: map[string]*Kind{}}

// RegisterAction registers an action under its YAML key; T is its
// parameter struct, read strictly from the step's mapping.
func RegisterAction[T any, P interface {
	*T
	Executor
}](key string, opts ...Option) {
	k := &Kind{Key: key, params: reflect.TypeFor[T]()}
	register(k, opts)
}

// RegisterExpectation registers an expectation: `expect: {SUBJECT: ..., CHECK: ...}`.
func RegisterExpectation[T any, P interface {
	*T
	Executor
}](name, subject string, opts ...Option) {
	k := &Kind{Key: name, Expectation: true, Subject: subject, params: reflect.TypeFor[T]()}
	register(k, opts)
}

func register(k *Kind, opts []Option) {
	for _, o := range opts {
		o(k)
	}
	registry.Lock()
	defer registry.Unlock()
	table := registry.actions
	if k.Expectation {
		table = registry.expects
	}
	if _, ok := table[k.Key]; ok {
		panic(fmt.Sprintf("scenarios: step %q registered twice", k.Key))
	}
	table[k.Key] = k
	if k.Section != "" {
		if old, ok := registry.sections[k.Section]; ok && old.Key != k.Key {
			panic(fmt.Sprintf("scenarios: setup section %q read by both %q and %q", k.Section, old.Key, k.Key))
		}
		registry.sections[k.Section] = k
	}
}

// Keys lists the keys the kind's parameters read.
func (k *Kind) Keys() []string { return fieldKeys(k.params) }

// Param is one key a step reads, whether a step must give it, and what
// applies when it does not: the field's `default:"..."` tag, words for
// people ("90, the API's default", "the profile's health interval", or
// "none" for a key whose absence means it is not used).
type Param struct {
	Key      string `json:"key"`
	Required bool   `json:"required,omitempty"`
	Default  string `json:"default,omitempty"`
}

// Params lists the keys the kind's parameters read, for help.
func (k *Kind) Params() []Param {
	var ps []Param
	for _, f := range structFields(k.params) {
		ps = append(ps, Param{Key: f.key, Required: f.required, Default: f.dflt})
	}
	return ps
}

// newExecutor returns a pointer to zero parameters.
func (k *Kind) newExecutor() Executor {
	return reflect.New(k.params).Interface().(Executor)
}

// Kinds lists every registered step, actions first, each sorted by key.
func Kinds() []*Kind {
	registry.Lock()
	defer registry.Unlock()
	var acts, exps []*Kind
	for _, k := range registry.actions {
		acts = append(acts, k)
	}
	for _, k := range registry.expects {
		exps = append(exps, k)
	}
	byKey := func(a []*Kind) { sort.Slice(a, func(i, j int) bool { return a[i].Key < a[j].Key }) }
	byKey(acts)
	byKey(exps)
	return append(acts, exps...)
}

func lookupAction(key string) (*Kind, bool) {
	registry.Lock()
	defer registry.Unlock()
	k, ok := registry.actions[key]
	return k, ok
}

func actionKeys() []string {
	registry.Lock()
	defer registry.Unlock()
	keys := make([]string, 0, len(registry.actions)+1)
	for k := range registry.actions {
		keys = append(keys, k)
	}
	keys = append(keys, "expect")
	sort.Strings(keys)
	return keys
}

// expectationsOf returns the expectations whose subject is subject.
func expectationsOf(subject string) []*Kind {
	registry.Lock()
	defer registry.Unlock()
	var out []*Kind
	for _, k := range registry.expects {
		if k.Subject == subject {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func subjects() []string {
	registry.Lock()
	defer registry.Unlock()
	var out []string
	for _, k := range registry.expects {
		if !slices.Contains(out, k.Subject) {
			out = append(out, k.Subject)
		}
	}
	sort.Strings(out)
	return out
}

// setupSections returns the setup sections in the order they run.
func setupSections() []*Kind {
	registry.Lock()
	defer registry.Unlock()
	out := make([]*Kind, 0, len(registry.sections))
	for _, k := range registry.sections {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Section < out[j].Section
	})
	return out
}
