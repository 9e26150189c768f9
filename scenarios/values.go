package scenarios

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a duration written as text: 500ms, 30s, 2m.
type Duration time.Duration

// D returns the time.Duration.
func (x Duration) D() time.Duration { return time.Duration(x) }

func (x Duration) String() string { return time.Duration(x).String() }

// MarshalJSON writes the duration as text.
func (x Duration) MarshalJSON() ([]byte, error) { return json.Marshal(x.String()) }

// DecodeYAML reads a duration; a bare 0 is allowed, other bare numbers are
// not, because nobody can tell whether 30 meant seconds or milliseconds.
func (x *Duration) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a duration like 30s or 500ms, not %s", d.Where(), describe(n))
	}
	s = strings.TrimSpace(s)
	if s == "0" {
		*x = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			return d.Errorf(n, "%s: %s has no unit: write it like %ss or %sms", d.Where(), s, s, s)
		}
		return d.Errorf(n, "%s: %q is not a duration: write it like 30s, 500ms or 2m", d.Where(), clip(s, 40))
	}
	if v < 0 {
		return d.Errorf(n, "%s: %s is negative", d.Where(), s)
	}
	*x = Duration(v)
	return nil
}

// Rate is a number of requests per span of time: 200/s, 30/m, 5/100ms.
type Rate struct {
	N   int
	Per time.Duration
}

// MaxRate bounds what a scenario may ask of a laptop.
const MaxRate = 5000

func (r Rate) String() string {
	switch r.Per {
	case time.Second:
		return fmt.Sprintf("%d/s", r.N)
	case time.Minute:
		return fmt.Sprintf("%d/m", r.N)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.N)
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// PerSecond is the rate in requests per second.
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 {
		return 0
	}
	return float64(r.N) / r.Per.Seconds()
}

// MarshalJSON writes the rate as text.
func (r Rate) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// DecodeYAML reads N/UNIT, where UNIT is s, m, h or a duration.
func (r *Rate) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a rate like 200/s, not %s", d.Where(), describe(n))
	}
	v, err := ParseRate(s)
	if err != nil {
		return d.Errorf(n, "%s: %v", d.Where(), err)
	}
	*r = v
	return nil
}

// ParseRate reads a rate such as "200/s".
func ParseRate(s string) (Rate, error) {
	num, unit, found := strings.Cut(strings.TrimSpace(s), "/")
	if !found {
		return Rate{}, fmt.Errorf("%q is not a rate: write it like 200/s or 30/m", clip(s, 40))
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 {
		return Rate{}, fmt.Errorf("%q is not a rate: the count before / must be a whole number from 1, like 200/s", clip(s, 40))
	}
	var per time.Duration
	switch unit = strings.TrimSpace(unit); unit {
	case "s":
		per = time.Second
	case "m", "min":
		per = time.Minute
	case "h":
		per = time.Hour
	default:
		per, err = time.ParseDuration(unit)
		if err != nil || per <= 0 {
			return Rate{}, fmt.Errorf("%q is not a rate: after / comes s, m, h or a duration like 100ms", clip(s, 40))
		}
	}
	r := Rate{N: n, Per: per}
	if r.PerSecond() > MaxRate {
		return Rate{}, fmt.Errorf("%s is more than %d/s: a scenario's load stays gentle on a laptop", s, MaxRate)
	}
	if r.PerSecond() < 1.0/3600 {
		return Rate{}, fmt.Errorf("%s is less than one request an hour", s)
	}
	return r, nil
}

// Percent is a percentage, written 66 or "66%".
type Percent float64

// DecodeYAML reads a percentage from 0 to 1000.
func (p *Percent) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a percentage like 90 or 90%%, not %s", d.Where(), describe(n))
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 1000 || v != v {
		return d.Errorf(n, "%s: %q is not a percentage: write it like 90 or 90%%", d.Where(), clip(s, 40))
	}
	*p = Percent(v)
	return nil
}

// Fraction is a share from 0 to 1, written 0.01 or "1%".
type Fraction float64

// DecodeYAML reads a fraction.
func (f *Fraction) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a share like 1%% or 0.01, not %s", d.Where(), describe(n))
	}
	s = strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(s, "%") {
		s, scale = strings.TrimSuffix(s, "%"), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	v *= scale
	if err != nil || v < 0 || v > 1 || v != v {
		return d.Errorf(n, "%s: %q is not a share from 0 to 1: write it like 1%% or 0.01", d.Where(), clip(s, 40))
	}
	*f = Fraction(v)
	return nil
}

// TemplateRef names a launch template and optionally a version: "web",
// "web:2", "web:$Latest".
type TemplateRef struct {
	Name    string
	Version string // "" means the template's default
}

func (t TemplateRef) String() string {
	if t.Version == "" {
		return t.Name
	}
	return t.Name + ":" + t.Version
}

// MarshalJSON writes the reference as text.
func (t TemplateRef) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

var versionWord = regexp.MustCompile(`^([1-9][0-9]{0,8}|\$Latest|\$Default)$`)

// DecodeYAML reads NAME[:VERSION].
func (t *TemplateRef) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok || strings.TrimSpace(s) == "" {
		return d.Errorf(n, "%s needs a template name like web or web:2, not %s", d.Where(), describe(n))
	}
	name, version, _ := strings.Cut(strings.TrimSpace(s), ":")
	if version != "" && !versionWord.MatchString(version) {
		return d.Errorf(n, "%s: version %q of template %s is not a number, $Latest or $Default", d.Where(), clip(version, 20), clip(name, 40))
	}
	*t = TemplateRef{Name: name, Version: version}
	return nil
}

// Name is what `as:` calls a set of instances, for later steps to use as
// $name.
type Name string

var nameWord = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$`)

// DecodeYAML reads a name and remembers it, so that later steps may use it.
func (x *Name) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok || !nameWord.MatchString(s) {
		return d.Errorf(n, "%s needs a name of letters, digits, '_' and '-', like victim", d.Where())
	}
	d.saved[s] = true
	*x = Name(s)
	return nil
}

// InstanceRef picks instances. Forms:
//
//	i-0123456789abcdef0   that instance
//	$name, $name.0       the instances an earlier step saved with as: name (or one of them)
//	any                   the running instances
//	{template: web}       the running instances of template web ("template:web" quoted)
//	{group: web}          the running instances of group web
//	{zone: zone-a}        the running instances in zone zone-a
type InstanceRef struct {
	Text  string
	ID    string // an instance id
	Saved string // a saved name
	Index int    // -1: all of the saved set
	By    string // "", "template", "group" or "zone"
	Value string // what By must equal
}

func (r InstanceRef) String() string { return r.Text }

// MarshalJSON writes the selector as text.
func (r InstanceRef) MarshalJSON() ([]byte, error) { return json.Marshal(r.Text) }

var (
	instanceID   = regexp.MustCompile(`^i-[0-9a-f]{17}$`)
	savedRef     = regexp.MustCompile(`^\$([a-zA-Z_][a-zA-Z0-9_-]{0,63})(?:\.([0-9]{1,4}))?$`)
	selectorWord = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`)
)

// DecodeYAML reads a selector, checking that a saved name was given by an
// earlier step.
func (r *InstanceRef) DecodeYAML(d *Decoder, n ast.Node) error {
	if isMapping(n) {
		return r.decodeFilter(d, n)
	}
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs an instance: an id, $name, any, {template: NAME}, {group: NAME} or {zone: ZONE}; not %s", d.Where(), describe(n))
	}
	v, err := ParseInstanceRef(s)
	if err != nil {
		return d.Errorf(n, "%s: %v", d.Where(), err)
	}
	if v.Saved != "" && !d.saved[v.Saved] {
		return d.Errorf(n, "%s: $%s is not saved by an earlier step (give a step `as: %s`)", d.Where(), v.Saved, v.Saved)
	}
	*r = v
	return nil
}

// decodeFilter reads the mapping form of a filter: {group: web}.
func (r *InstanceRef) decodeFilter(d *Decoder, n ast.Node) error {
	ps, err := d.pairs(n)
	if err != nil {
		return err
	}
	if len(ps) != 1 {
		return d.Errorf(n, "%s picks by one thing: {template: NAME}, {group: NAME} or {zone: ZONE}", d.Where())
	}
	p := ps[0]
	value, ok := ScalarText(p.value)
	switch {
	case p.key != "template" && p.key != "group" && p.key != "zone":
		return d.Errorf(p.keyNode, "%s picks by template, group or zone, not %q%s", d.Where(), clip(p.key, 40),
			didYouMean(p.key, []string{"template", "group", "zone"}))
	case !ok || !selectorWord.MatchString(value):
		return d.Errorf(p.value, "%s: %s needs a name", d.Where(), p.key)
	}
	*r = InstanceRef{Text: p.key + ":" + value, Index: -1, By: p.key, Value: value}
	return nil
}

// ParseInstanceRef reads an instance selector.
func ParseInstanceRef(s string) (InstanceRef, error) {
	s = strings.TrimSpace(s)
	r := InstanceRef{Text: s, Index: -1}
	switch {
	case s == "any":
		return r, nil
	case instanceID.MatchString(s):
		r.ID = s
		return r, nil
	case strings.HasPrefix(s, "$"):
		m := savedRef.FindStringSubmatch(s)
		if m == nil {
			return r, fmt.Errorf("%q is not a saved name: write $name or $name.0", clip(s, 40))
		}
		r.Saved = m[1]
		if m[2] != "" {
			r.Index, _ = strconv.Atoi(m[2])
		}
		return r, nil
	}
	by, value, found := strings.Cut(s, ":")
	if found && selectorWord.MatchString(value) {
		switch by {
		case "template", "group", "zone":
			r.By, r.Value = by, value
			return r, nil
		}
	}
	return r, fmt.Errorf("%q does not pick instances: use an id (i-...), $name, any, {template: NAME}, {group: NAME} or {zone: ZONE}", clip(s, 40))
}

// StepRef points at an earlier step, by its number or its name.
type StepRef struct {
	Text  string
	Index int // 1-based number among the steps
}

func (r StepRef) String() string { return r.Text }

// MarshalJSON writes the reference as text.
func (r StepRef) MarshalJSON() ([]byte, error) { return json.Marshal(r.Text) }

// DecodeYAML reads a step number or name; it must be an earlier step.
func (r *StepRef) DecodeYAML(d *Decoder, n ast.Node) error {
	s, ok := ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a step number or name, not %s", d.Where(), describe(n))
	}
	if _, isInt := n.(*ast.IntegerNode); isInt {
		i, err := strconv.Atoi(s)
		if err != nil || i < 1 || i >= d.step || d.step == 0 {
			return d.Errorf(n, "%s: step %s is not an earlier step", d.Where(), clip(s, 20))
		}
		*r = StepRef{Text: s, Index: i}
		return nil
	}
	i, found := d.stepNames[s]
	if !found {
		names := make([]string, 0, len(d.stepNames))
		for name := range d.stepNames {
			names = append(names, name)
		}
		return d.Errorf(n, "%s: no earlier step is named %q%s", d.Where(), clip(s, 40), didYouMean(s, names))
	}
	*r = StepRef{Text: s, Index: i}
	return nil
}

// Window narrows what an expectation looks at, by earlier steps:
//
//	during: S   while S ran, from its start to its end
//	from: S     from the start of S on
//	since: S    from the end of S on
//	until: S    up to the start of S (with from or since, or alone)
//
// With none, it is the whole run.
type Window struct {
	Since  *StepRef `yaml:"since" json:"since,omitempty" default:"none: all of the load"`
	From   *StepRef `yaml:"from" json:"from,omitempty" default:"none: all of the load"`
	Until  *StepRef `yaml:"until" json:"until,omitempty" default:"none: all of the load"`
	During *StepRef `yaml:"during" json:"during,omitempty" default:"none: all of the load"`
}

// Validate refuses during together with since, from or until, and since
// together with from.
func (w Window) Validate() error {
	if w.During != nil && (w.Since != nil || w.From != nil || w.Until != nil) {
		return FieldError("during", "during covers one step: use it alone, or from/since and until")
	}
	if w.Since != nil && w.From != nil {
		return FieldError("from", "from (the start of a step) and since (its end) both open the window: give one")
	}
	return nil
}

// Start is the step the window opens with, and whether it opens at that
// step's start (during, from) rather than its end (since); nil when it is
// open from the run's start.
func (w Window) Start() (ref *StepRef, atStart bool) {
	switch {
	case w.During != nil:
		return w.During, true
	case w.From != nil:
		return w.From, true
	}
	return w.Since, false
}

func (w Window) String() string {
	var parts []string
	if w.During != nil {
		parts = append(parts, "during step "+w.During.Text)
	}
	if w.From != nil {
		parts = append(parts, "from the start of step "+w.From.Text)
	}
	if w.Since != nil {
		parts = append(parts, "since step "+w.Since.Text+" ended")
	}
	if w.Until != nil {
		parts = append(parts, "until step "+w.Until.Text+" started")
	}
	return strings.Join(parts, ", ")
}

// CountRange is a count an expectation accepts: 3, ">= 3", "<= 2", "2..4".
type CountRange struct {
	Text     string
	Min, Max int
}

func (c CountRange) String() string { return c.Text }

// Contains reports whether n is in the range.
func (c CountRange) Contains(n int) bool { return n >= c.Min && n <= c.Max }

// MarshalJSON writes the range as text.
func (c CountRange) MarshalJSON() ([]byte, error) { return json.Marshal(c.Text) }

const maxCount = 1 << 20

var countRange = regexp.MustCompile(`^\s*(?:(>=|<=|>|<)\s*([0-9]{1,7})|([0-9]{1,7})\s*\.\.\s*([0-9]{1,7}))\s*$`)

// DecodeYAML reads a count or a range; a range may also be written
// {min: 3, max: 5}, or with one bound.
func (c *CountRange) DecodeYAML(d *Decoder, n ast.Node) error {
	if isMapping(n) {
		return c.decodeBounds(d, n)
	}
	if _, ok := n.(*ast.IntegerNode); ok {
		var v int
		if err := d.decodeValue(n, reflect.ValueOf(&v).Elem()); err != nil {
			return err
		}
		if v < 0 {
			return d.Errorf(n, "%s: a count cannot be negative", d.Where())
		}
		*c = CountRange{Text: strconv.Itoa(v), Min: v, Max: v}
		return nil
	}
	s, ok := ScalarText(n)
	m := countRange.FindStringSubmatch(s)
	if !ok || m == nil {
		return d.Errorf(n, "%s needs a count like 3, \">= 3\", \"<= 2\", \"2..4\" or {min: 2, max: 4}, not %s", d.Where(), describe(n))
	}
	num := func(s string) int { v, _ := strconv.Atoi(s); return v }
	out := CountRange{Text: strings.TrimSpace(s), Min: 0, Max: maxCount}
	switch m[1] {
	case ">=":
		out.Min = num(m[2])
	case ">":
		out.Min = num(m[2]) + 1
	case "<=":
		out.Max = num(m[2])
	case "<":
		out.Max = num(m[2]) - 1
	default:
		out.Min, out.Max = num(m[3]), num(m[4])
	}
	if out.Min > out.Max {
		return d.Errorf(n, "%s: no count is in %s", d.Where(), s)
	}
	*c = out
	return nil
}

func (c *CountRange) decodeBounds(d *Decoder, n ast.Node) error {
	var b struct {
		Min *int `yaml:"min"`
		Max *int `yaml:"max"`
	}
	if err := d.decodeValue(n, reflect.ValueOf(&b).Elem()); err != nil {
		return err
	}
	out := CountRange{Min: 0, Max: maxCount}
	switch {
	case b.Min == nil && b.Max == nil:
		return d.Errorf(n, "%s needs min, max or both, like {min: 3}", d.Where())
	case b.Min != nil && b.Max != nil:
		out.Min, out.Max, out.Text = *b.Min, *b.Max, fmt.Sprintf("%d..%d", *b.Min, *b.Max)
		if *b.Min == *b.Max {
			out.Text = strconv.Itoa(*b.Min)
		}
	case b.Min != nil:
		out.Min, out.Text = *b.Min, fmt.Sprintf(">= %d", *b.Min)
	default:
		out.Max, out.Text = *b.Max, fmt.Sprintf("<= %d", *b.Max)
	}
	if out.Min < 0 || out.Max < 0 {
		return d.Errorf(n, "%s: a count cannot be negative", d.Where())
	}
	if out.Min > out.Max {
		return d.Errorf(n, "%s: min %d is more than max %d", d.Where(), out.Min, out.Max)
	}
	*c = out
	return nil
}

// Words is one word or a list of them: `status: Successful` or
// `status: [Successful, RollbackSuccessful]`.
type Words []string

// DecodeYAML reads a word or a list of words.
func (w *Words) DecodeYAML(d *Decoder, n ast.Node) error {
	if s, ok := ScalarText(n); ok {
		*w = Words{s}
		return nil
	}
	var list []string
	if err := d.decodeValue(n, reflect.ValueOf(&list).Elem()); err != nil {
		return err
	}
	if len(list) == 0 {
		return d.Errorf(n, "%s is empty", d.Where())
	}
	*w = list
	return nil
}
