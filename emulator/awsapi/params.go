package awsapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Params are a Query request's parameters, or a part of them: Sub and
// Structs give the parameters under a prefix with the prefix taken off, so
// that nested structures read like the top level.
type Params struct {
	v   url.Values
	pre string // the full name of this part, "" at the top, else "Tags.member.1."
	svc *Service
}

func (p Params) get(name string) (string, bool) {
	vs, ok := p.v[p.pre+name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// Has says whether the parameter was sent.
func (p Params) Has(name string) bool {
	_, ok := p.get(name)
	return ok
}

// String is the parameter's value, "" when absent.
func (p Params) String(name string) string {
	s, _ := p.get(name)
	return s
}

// Required is the parameter's value, or the service's missing-parameter
// error naming it.
func (p Params) Required(name string) (string, error) {
	s, ok := p.get(name)
	if !ok || s == "" {
		return "", Errorf(p.svc.missingCode, "the request must contain the parameter %s", p.pre+name)
	}
	return s, nil
}

// Int is the parameter as an integer, def when absent.
func (p Params) Int(name string, def int) (int, error) {
	s, ok := p.get(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, p.Invalid(name, s, "an integer")
	}
	return n, nil
}

// Bool is the parameter as a boolean, def when absent.
func (p Params) Bool(name string, def bool) (bool, error) {
	s, ok := p.get(name)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, p.Invalid(name, s, "true or false")
}

// Invalid is the service's invalid-parameter error for a value: want says
// what would be valid.
func (p Params) Invalid(name, value, want string) error {
	return Errorf(p.svc.invalidCode, "invalid value %q for parameter %s: expected %s", value, p.pre+name, want)
}

// Sub is the structure under name: Sub("Placement").String("AvailabilityZone")
// reads Placement.AvailabilityZone.
func (p Params) Sub(name string) Params {
	return Params{v: p.v, pre: p.pre + name + ".", svc: p.svc}
}

// indices are the N of the list under name, in order, in either of the
// two list shapes: name.member.N (Auto Scaling, ELBv2) or name.N (EC2).
func (p Params) indices(name string) (prefix string, ns []int) {
	for _, prefix := range []string{p.pre + name + ".member.", p.pre + name + "."} {
		seen := map[int]bool{}
		for k := range p.v {
			rest, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			head, _, _ := strings.Cut(rest, ".")
			if n, err := strconv.Atoi(head); err == nil && n > 0 && !seen[n] {
				seen[n] = true
				ns = append(ns, n)
			}
		}
		if len(ns) > 0 {
			sort.Ints(ns)
			return prefix, ns
		}
	}
	return "", nil
}

// List is the list of scalars under name: Foo.member.1, Foo.member.2... or
// Foo.1, Foo.2...; nil when none was sent.
func (p Params) List(name string) []string {
	prefix, ns := p.indices(name)
	var out []string
	for _, n := range ns {
		if vs := p.v[prefix+strconv.Itoa(n)]; len(vs) > 0 {
			out = append(out, vs[0])
		}
	}
	return out
}

// Structs is the list of structures under name: Structs("Tags")[0].String("Key")
// reads Tags.member.1.Key (or Tags.1.Key).
func (p Params) Structs(name string) []Params {
	prefix, ns := p.indices(name)
	var out []Params
	for _, n := range ns {
		out = append(out, Params{v: p.v, pre: prefix + strconv.Itoa(n) + ".", svc: p.svc})
	}
	return out
}

// Tag is a key and value, as the services' Tags lists send them (each
// service's results spell them their own way).
type Tag struct {
	Key, Value string
}

// Tags reads a list of Key/Value structures under name (Tags.member.N.Key
// or Tag.N.Key); a tag without a key is an invalid-parameter error.
func (p Params) Tags(name string) ([]Tag, error) {
	var tags []Tag
	for _, s := range p.Structs(name) {
		k, err := s.Required("Key")
		if err != nil {
			return nil, err
		}
		tags = append(tags, Tag{Key: k, Value: s.String("Value")})
	}
	return tags, nil
}
