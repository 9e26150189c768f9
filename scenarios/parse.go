package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxFileSize bounds a scenario file; real ones are a few kilobytes.
const maxFileSize = 1 << 20

var scenarioName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)

func readError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses a scenario; file names it in messages. Every error is a
// *FileError naming file, line and column.
func Parse(file string, data []byte) (*Scenario, error) {
	sc, errs := parse(file, data)
	if len(errs) > 0 {
		return nil, fileErrors(errs)
	}
	return sc, nil
}

// ParseChecked parses a scenario and checks it as a run would before it
// starts a sandbox: names no earlier step makes, steps that could never
// pass (see Checker). It reports every problem of both at once.
func ParseChecked(file string, data []byte) (*Scenario, error) {
	sc, errs := parse(file, data)
	if sc != nil {
		errs = append(errs, check(sc)...)
	}
	if len(errs) > 0 {
		return nil, fileErrors(errs)
	}
	return sc, nil
}

// parse reads what it can of a scenario: with problems, the scenario it
// returns holds the steps that parsed and the names of those that did not.
func parse(file string, data []byte) (*Scenario, []*FileError) {
	fail := func(err error) (*Scenario, []*FileError) {
		d := newDecoder(file)
		d.collect(err)
		return nil, d.errs
	}
	if len(data) > maxFileSize {
		return fail(&FileError{Pos: Position{File: file}, Msg: fmt.Sprintf("is %d bytes: a scenario file is at most %d", len(data), maxFileSize)})
	}
	if !utf8.Valid(data) {
		return fail(&FileError{Pos: Position{File: file}, Msg: "is not UTF-8 text"})
	}
	f, err := parseYAML(file, data)
	if err != nil {
		return fail(err)
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && !isNull(doc.Body) {
			bodies = append(bodies, doc.Body)
		}
	}
	switch len(bodies) {
	case 0:
		return fail(&FileError{Pos: Position{File: file}, Msg: "is empty: a scenario needs at least name and steps"})
	case 1:
	default:
		return fail((&Decoder{file: file}).Errorf(bodies[1], "a scenario file holds one YAML document, not %d", len(bodies)))
	}
	d := newDecoder(file)
	sc, err := d.scenario(bodies[0])
	d.collect(err)
	if sc != nil {
		sc.Source = data
	}
	return sc, d.errs
}

// parseYAML parses the YAML into a syntax tree. The YAML parser is not
// ours: whatever it does with a hostile file, the answer is an error, never
// a crash. (Our own decoder gets no such cover, so the fuzz test sees its
// bugs.)
func parseYAML(file string, data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &FileError{Pos: Position{File: file}, Msg: fmt.Sprintf("the YAML parser failed on this file (%v)", r)}
		}
	}()
	f, err = parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	return f, nil
}

// yamlError turns the YAML parser's error into a one-line FileError.
func yamlError(file string, err error) error {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &te) {
		pos := Position{File: file}
		if tk := te.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return &FileError{Pos: pos, Msg: oneLine(te.GetMessage())}
	}
	return &FileError{Pos: Position{File: file}, Msg: oneLine(err.Error())}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (d *Decoder) scenario(n ast.Node) (*Scenario, error) {
	ps, err := d.pairs(n)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{File: d.file, Timeout: DefaultTimeout}
	var setup, steps ast.Node
	var timeout Duration
	for _, p := range ps {
		d.push(p.key)
		switch p.key {
		case "name":
			err = d.Decode(p.value, &sc.Name)
			if err == nil && !scenarioName.MatchString(sc.Name) {
				err = d.Errorf(p.value, "name %q: use letters, digits, '.', '_' and '-' (at most 64)", clip(sc.Name, 40))
			}
		case "description":
			err = d.Decode(p.value, &sc.Description)
		case "timeout":
			err = d.Decode(p.value, &timeout)
			if err == nil && timeout <= 0 {
				err = d.Errorf(p.value, "timeout must be more than 0")
			}
			sc.Timeout = timeout.D()
		case "timing":
			err = d.Decode(p.value, &sc.Timing)
			if err == nil && sc.Timing != "fast" && sc.Timing != "aws" {
				err = d.Errorf(p.value, "timing %q: use fast or aws", clip(sc.Timing, 20))
			}
		case "setup":
			setup = p.value
		case "steps":
			steps = p.value
		default:
			err = d.Errorf(p.keyNode, "unknown key %q in the scenario%s", clip(p.key, 40),
				didYouMean(p.key, []string{"name", "description", "timeout", "timing", "setup", "steps"}))
		}
		d.pop()
		d.collect(err)
		err = nil
	}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(d.file), filepath.Ext(d.file))
	}
	if setup != nil {
		sc.Setup = d.setup(setup)
	}
	if steps == nil {
		d.collect(d.Errorf(n, "the scenario needs steps: a list of actions and expectations"))
		return sc, nil
	}
	sc.Steps = d.steps(steps)
	return sc, nil
}

// setup reads the setup sections, each a list of one kind of resource,
// and orders them so that what a resource needs is made before it.
func (d *Decoder) setup(n ast.Node) []*Step {
	d.push("setup")
	defer d.pop()
	ps, err := d.pairs(n)
	if err != nil {
		d.collect(err)
		return nil
	}
	sections := setupSections()
	bySection := map[string][]*Step{}
	var names []string
	for _, k := range sections {
		names = append(names, k.Section)
	}
	for _, p := range ps {
		var kind *Kind
		for _, k := range sections {
			if k.Section == p.key {
				kind = k
			}
		}
		seq, ok := p.value.(*ast.SequenceNode)
		switch {
		case kind == nil:
			d.collect(d.Errorf(p.keyNode, "unknown key %q in setup%s", clip(p.key, 40), didYouMean(p.key, names)))
			continue
		case !ok:
			d.collect(d.Errorf(p.value, "setup.%s needs a list, like - {name: web, ...}", p.key))
			continue
		}
		for _, item := range seq.Values {
			if isNil(item) {
				d.collect(d.Errorf(seq, "setup.%s has an empty entry", p.key))
				continue
			}
			st, err := d.action(kind, item)
			d.collect(err)
			st.broken = err != nil
			bySection[p.key] = append(bySection[p.key], st)
		}
	}
	var out []*Step
	for _, k := range sections {
		for _, st := range bySection[k.Section] {
			st.Section, st.Number = "setup", len(out)+1
			out = append(out, st)
		}
	}
	return out
}

// steps reads the list of steps; each is one action or `expect:`, with an
// optional name. A step that does not parse is kept, marked broken, so
// that later steps may still refer to it by name.
func (d *Decoder) steps(n ast.Node) []*Step {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.collect(d.Errorf(n, "steps needs a list: - action: {...} or - expect: {...}"))
		return nil
	}
	if len(seq.Values) == 0 {
		d.collect(d.Errorf(n, "steps is empty: a scenario needs at least one step"))
		return nil
	}
	var out []*Step
	for i, item := range seq.Values {
		d.step = i + 1
		st, name, err := d.oneStep(item)
		d.collect(err)
		if st == nil {
			st = &Step{Pos: d.pos(item)}
		}
		st.Section, st.Number, st.Name, st.broken = "steps", i+1, name, err != nil
		if name != "" {
			if prev, dup := d.stepNames[name]; dup {
				d.collect(d.Errorf(item, "two steps are named %q (steps %d and %d)", clip(name, 40), prev, i+1))
			} else {
				d.stepNames[name] = i + 1
			}
		}
		out = append(out, st)
	}
	return out
}

// oneStep reads a step and its name; the name comes back even when the
// step does not parse.
func (d *Decoder) oneStep(n ast.Node) (*Step, string, error) {
	if isNil(n) {
		return nil, "", d.Errorf(n, "a step is empty")
	}
	if !isMapping(n) {
		return nil, "", d.Errorf(n, "a step is a mapping with one action, like - wait: 5s; not %s", describe(n))
	}
	ps, err := d.pairs(n)
	if err != nil {
		return nil, "", err
	}
	name, body, err := d.stepName(n, ps)
	if err != nil {
		return nil, name, err
	}
	var st *Step
	if body.key == "expect" {
		st, err = d.expectation(body.value)
	} else {
		kind, ok := lookupAction(body.key)
		if !ok {
			return nil, name, d.Errorf(body.keyNode, "unknown step %q%s", clip(body.key, 40), didYouMean(body.key, actionKeys()))
		}
		st, err = d.action(kind, body.value)
	}
	if st == nil {
		return nil, name, err
	}
	st.Pos = d.pos(body.keyNode)
	st.Source = body.key + " " + compact(body.value, 120)
	return st, name, err
}

// stepName splits a step's mapping into its name and its one action.
func (d *Decoder) stepName(n ast.Node, ps []pair) (string, *pair, error) {
	var name string
	var body *pair
	for i := range ps {
		p := &ps[i]
		if p.key == "name" {
			d.push("name")
			err := d.Decode(p.value, &name)
			d.pop()
			if err != nil {
				return "", nil, err
			}
			if strings.TrimSpace(name) == "" {
				return "", nil, d.Errorf(p.value, "a step's name cannot be empty")
			}
			continue
		}
		if body != nil {
			return name, nil, d.Errorf(p.keyNode, "a step does one thing: %q and %q are two steps", clip(body.key, 40), clip(p.key, 40))
		}
		body = p
	}
	if body == nil {
		return name, nil, d.Errorf(n, "step %q does nothing: add an action or expect:", clip(name, 40))
	}
	return name, body, nil
}

// action reads an action's parameters. The step comes back even when they
// are bad: the names it does give still count.
func (d *Decoder) action(kind *Kind, n ast.Node) (*Step, error) {
	d.push(kind.Key)
	defer d.pop()
	st := &Step{Kind: kind, Pos: d.pos(n), Source: kind.Key + " " + compact(n, 120)}
	d.st = st
	defer func() { d.st = nil }()
	var ps []pair
	var err error
	switch {
	case kind.Shorthand != "" && !isMapping(n):
		ps = []pair{{key: kind.Shorthand, keyNode: n, value: n}}
	case isNull(n):
	default:
		if ps, err = d.pairs(n); err != nil {
			return st, err
		}
	}
	st.Exec, err = d.params(kind, n, ps)
	return st, err
}

// expectation reads `expect:`: its first key is the subject, and one check
// key picks the kind among the subject's.
func (d *Decoder) expectation(n ast.Node) (*Step, error) {
	d.push("expect")
	defer d.pop()
	ps, err := d.pairs(n)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, d.Errorf(n, "expect needs something to check: one of %s", strings.Join(subjects(), ", "))
	}
	subject := ps[0]
	kinds := expectationsOf(subject.key)
	if len(kinds) == 0 {
		return nil, d.Errorf(subject.keyNode, "expect starts with what it checks, one of %s: not %q%s",
			strings.Join(subjects(), ", "), clip(subject.key, 40), didYouMean(subject.key, subjects()))
	}
	st := &Step{Pos: d.pos(n)}
	var rest []pair
	for _, p := range ps {
		if p.key == "within" {
			var within Duration
			d.push("within")
			d.collect(d.Decode(p.value, &within))
			d.pop()
			st.Within = within.D()
			continue
		}
		rest = append(rest, p)
	}
	kind, err := d.pickExpectation(n, subject, kinds, rest)
	if err != nil {
		return nil, err
	}
	st.Kind = kind
	d.st = st
	defer func() { d.st = nil }()
	st.Exec, err = d.params(kind, n, rest)
	return st, err
}

func (d *Decoder) pickExpectation(n ast.Node, subject pair, kinds []*Kind, ps []pair) (*Kind, error) {
	present := map[string]bool{}
	for _, p := range ps[1:] {
		present[p.key] = true
	}
	var matches, bare []*Kind
	var found []string
	for _, k := range kinds {
		if len(k.Checks) == 0 {
			bare = append(bare, k)
			continue
		}
		for _, c := range k.Checks {
			if present[c] {
				matches = append(matches, k)
				found = append(found, c)
				break
			}
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		sort.Strings(found)
		return nil, d.Errorf(n, "expect checks one thing at a time: %s are separate expectations, so split them into steps",
			strings.Join(quoteAll(found), " and "))
	case len(bare) == 1:
		return bare[0], nil
	}
	// Nothing matched: most likely a misspelt check.
	known := map[string]bool{subject.key: true, "within": true}
	var checks []string
	for _, k := range kinds {
		for _, key := range append(k.Keys(), k.Checks...) {
			known[key] = true
		}
		checks = append(checks, k.Checks...)
	}
	all := make([]string, 0, len(known))
	for k := range known {
		all = append(all, k)
	}
	sort.Strings(all)
	unknown := false
	for _, p := range ps[1:] {
		if !known[p.key] {
			d.collect(d.Errorf(p.keyNode, "unknown key %q in expect%s", clip(p.key, 40), didYouMean(p.key, all)))
			unknown = true
		}
	}
	if unknown {
		return nil, errNoted
	}
	sort.Strings(checks)
	return nil, d.Errorf(subject.keyNode, "expect %s needs one of %s", subject.key, strings.Join(checks, ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// params decodes a step's parameters into its kind's struct and validates them.
func (d *Decoder) params(kind *Kind, n ast.Node, ps []pair) (Executor, error) {
	exec := kind.newExecutor()
	if d.st != nil {
		d.st.keyPos = map[string]Position{}
		for _, p := range ps {
			d.st.keyPos[p.key] = d.pos(p.value)
		}
	}
	if err := d.decodeFields(n, ps, reflectElem(exec)); err != nil {
		return nil, err
	}
	if v, ok := exec.(Validator); ok {
		if err := v.Validate(); err != nil {
			at := n
			var fe *fieldError
			if errors.As(err, &fe) {
				for _, p := range ps {
					if p.key == fe.key {
						at = p.value
					}
				}
			}
			return nil, d.Errorf(at, "%s: %v", d.container(), err)
		}
	}
	return exec, nil
}

func isMapping(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
}
